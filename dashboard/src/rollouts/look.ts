import type { RolloutStatus, RolloutStoreState } from "../api/types";

export interface Look {
  symbol: string;
  tone: "progress" | "good" | "warning" | "bad" | "muted";
  description: string;
}

export const ROLLOUT_LOOK: Record<RolloutStatus, Look> = {
  Running: { symbol: "◌", tone: "progress", description: "upgrading stores wave by wave" },
  Paused: { symbol: "‖", tone: "warning", description: "no new upgrades start until it is resumed" },
  Halted: {
    symbol: "✕",
    tone: "bad",
    description: "a wave failed more than allowed; later waves were not started",
  },
  Aborted: {
    symbol: "–",
    tone: "muted",
    description: "stopped for good; stores not upgraded keep their version",
  },
  Succeeded: { symbol: "✓", tone: "good", description: "every wave is done" },
};

export const STATE_LOOK: Record<RolloutStoreState, Look> = {
  pending: { symbol: "·", tone: "muted", description: "not started" },
  upgrading: { symbol: "↻", tone: "progress", description: "being upgraded" },
  succeeded: { symbol: "✓", tone: "good", description: "runs the new version" },
  failed: { symbol: "✕", tone: "bad", description: "not upgraded; the previous revision serves" },
  "skipped-pinned": { symbol: "⊘", tone: "muted", description: "pinned: skipped by rollouts" },
};

/** A rollout that may still change by itself: the console keeps refreshing it. */
export function isMoving(status: RolloutStatus, upgrading: number): boolean {
  return status === "Running" || upgrading > 0;
}

