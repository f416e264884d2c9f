import type { StoreStatus } from "../api/types";

interface StatusLook {
  /** A shape next to the word, so status never rests on colour alone. */
  symbol: string;
  tone: "progress" | "good" | "warning" | "bad" | "muted";
  description: string;
}

export const STATUS_LOOK: Record<StoreStatus, StatusLook> = {
  Provisioning: { symbol: "◌", tone: "progress", description: "being set up" },
  Ready: { symbol: "✓", tone: "good", description: "serving shoppers" },
  Degraded: { symbol: "!", tone: "warning", description: "was ready, some workloads are unhealthy" },
  Failed: { symbol: "✕", tone: "bad", description: "stopped; see the reason, then retry or delete" },
  Deleting: { symbol: "⌫", tone: "progress", description: "being removed" },
  Deleted: { symbol: "–", tone: "muted", description: "removed from the cluster" },
  Suspended: {
    symbol: "⏸",
    tone: "muted",
    description: "at zero, data kept; shoppers see a maintenance page",
  },
};

/** A store in one of these is changing on its own; the console keeps refreshing while it is. */
export function isChanging(status: StoreStatus): boolean {
  return status === "Provisioning" || status === "Deleting";
}

/**
 * How often to refresh a view showing stores in these statuses: fast while any is changing,
 * slowly while any is degraded (it may recover, or be repaired) or suspended (it may be
 * suspending or resuming), not at all once everything has settled.
 */
export function refreshInterval(statuses: readonly StoreStatus[], fastMs: number): number | false {
  if (statuses.some(isChanging)) return fastMs;
  if (statuses.includes("Degraded") || statuses.includes("Suspended")) return fastMs * 5;
  return false;
}
