import type { StoreEvent } from "../api/types";
import { formatDuration } from "./progress";
import { formatTime } from "./time";
import { timelineDays } from "./timeline";

const OUTCOME_SYMBOL: Record<string, string> = {
  accepted: "•",
  started: "▸",
  succeeded: "✓",
  waiting: "…",
  retrying: "↻",
  degraded: "!",
  failed: "✕",
};

/**
 * Every step the platform took for the store, oldest first, as the API records them: grouped
 * by day (the date once, times on the rows), with how long each finished step took.
 */
export function EventTimeline({ events }: { events: readonly StoreEvent[] }) {
  if (events.length === 0) {
    return <p className="muted">Nothing has happened yet.</p>;
  }
  return (
    <div className="timeline">
      {timelineDays(events).map(({ day, entries }) => (
        <section key={day} aria-label={day} className="timeline-day">
          <h3 className="timeline-date">{day}</h3>
          <ol className="timeline-list">
            {entries.map(({ event, tookMs }) => (
              <li key={event.id} className={`timeline-item outcome-${event.outcome}`}>
                <span className="timeline-symbol" aria-hidden="true">
                  {OUTCOME_SYMBOL[event.outcome] ?? "•"}
                </span>
                <time dateTime={event.created_at}>{formatTime(event.created_at)}</time>
                <span className="timeline-step">{event.step}</span>
                <span className="timeline-outcome">
                  {event.outcome}
                  {tookMs !== null && <span className="timeline-took"> in {formatDuration(tookMs)}</span>}
                </span>
                <span className="timeline-message">{event.message}</span>
              </li>
            ))}
          </ol>
        </section>
      ))}
    </div>
  );
}
