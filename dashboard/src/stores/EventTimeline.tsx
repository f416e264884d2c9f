import type { StoreEvent } from "../api/types";
import { formatTimestamp } from "./time";

const OUTCOME_SYMBOL: Record<string, string> = {
  accepted: "•",
  started: "▸",
  succeeded: "✓",
  waiting: "…",
  retrying: "↻",
  degraded: "!",
  failed: "✕",
};

/** Every step the platform took for the store, oldest first, as the API records them. */
export function EventTimeline({ events }: { events: readonly StoreEvent[] }) {
  if (events.length === 0) {
    return <p className="muted">Nothing has happened yet.</p>;
  }
  return (
    <ol className="timeline">
      {events.map((event) => (
        <li key={event.id} className={`timeline-item outcome-${event.outcome}`}>
          <span className="timeline-symbol" aria-hidden="true">
            {OUTCOME_SYMBOL[event.outcome] ?? "•"}
          </span>
          <time dateTime={event.created_at}>{formatTimestamp(event.created_at)}</time>
          <span className="timeline-step">{event.step}</span>
          <span className="timeline-outcome">{event.outcome}</span>
          <span className="timeline-message">{event.message}</span>
        </li>
      ))}
    </ol>
  );
}
