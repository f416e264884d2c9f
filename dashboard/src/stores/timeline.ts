// A store's events as the timeline shows them: by day, each finished step with its duration.
import type { StoreEvent } from "../api/types";
import { formatDay } from "./time";

// Outcomes that end a step: they show how long the step took.
const ENDINGS = new Set(["succeeded", "failed"]);

export interface TimelineDay {
  day: string;
  entries: { event: StoreEvent; tookMs: number | null }[];
}

/** Events by local day; a step's ending carries the time since that step's first event. */
export function timelineDays(events: readonly StoreEvent[]): TimelineDay[] {
  const days: TimelineDay[] = [];
  const stepStarted = new Map<string, number>();
  for (const event of events) {
    const at = Date.parse(event.created_at);
    if (!stepStarted.has(event.step)) stepStarted.set(event.step, at);
    let tookMs: number | null = null;
    if (ENDINGS.has(event.outcome)) {
      tookMs = at - (stepStarted.get(event.step) ?? at);
      stepStarted.delete(event.step);
    }
    const day = formatDay(event.created_at);
    const last = days[days.length - 1];
    if (last?.day === day) last.entries.push({ event, tookMs });
    else days.push({ day, entries: [{ event, tookMs }] });
  }
  return days;
}
