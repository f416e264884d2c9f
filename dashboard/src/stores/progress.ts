// Where a provisioning store is, from its timeline and the platform's list of steps.
import type { PlatformInfo, StoreEvent } from "../api/types";

export interface Progress {
  /** 1-based position of the step in progress. */
  step: number;
  steps: number;
  description: string;
  /** When this provisioning run was asked for (the store's request, or the last retry). */
  since: string;
}

/** The step a provisioning store is at; null when its timeline names no known step yet. */
export function provisioningProgress(
  events: readonly StoreEvent[],
  steps: PlatformInfo["provisioning_steps"],
  createdAt: string,
): Progress | null {
  const run = currentRun(events);
  const since = run[0]?.created_at ?? createdAt;
  // The furthest step the run has reached; once it succeeded, the next one is under way.
  let furthest = -1;
  const succeeded = new Set<number>();
  for (const event of run) {
    const index = steps.findIndex((step) => step.step === event.step);
    if (index < 0) continue;
    furthest = Math.max(furthest, index);
    if (event.outcome === "succeeded") succeeded.add(index);
  }
  const current =
    furthest < 0 ? 0 : succeeded.has(furthest) ? Math.min(furthest + 1, steps.length - 1) : furthest;
  const step = steps[current];
  if (!step) return null;
  return { step: current + 1, steps: steps.length, description: step.description, since };
}

/** The events since the last request (the first one, or a retry): the run that is going on. */
export function currentRun(events: readonly StoreEvent[]): readonly StoreEvent[] {
  let start = 0;
  events.forEach((event, index) => {
    if (event.step === "request") start = index;
  });
  return events.slice(start);
}

/** "<1s", "42s", "3m 05s", "1h 02m": how long something has taken. */
export function formatDuration(milliseconds: number): string {
  if (milliseconds < 1000) return "<1s";
  const seconds = Math.round(milliseconds / 1000);
  if (seconds < 60) return `${seconds}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m ${String(seconds % 60).padStart(2, "0")}s`;
  return `${Math.floor(minutes / 60)}h ${String(minutes % 60).padStart(2, "0")}m`;
}
