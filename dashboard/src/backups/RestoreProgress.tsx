import type { Store, StoreEvent } from "../api/types";
import { formatDuration, provisioningProgress } from "../stores/progress";
import { usePlatformInfo } from "../stores/queries";
import { useNow } from "../stores/useNow";

/** "Step 3 of 5: restoring the backup · 42s so far", from the events since the restore was asked for. */
export function RestoreProgress({ store, events }: { store: Store; events: readonly StoreEvent[] }) {
  const info = usePlatformInfo();
  const now = useNow(1000);
  const steps = info.data?.restore_steps;
  const asked = events.findLastIndex((event) => event.step === "restore" && event.outcome === "accepted");
  if (!steps || asked < 0) return null;
  const run = events.slice(asked);
  const progress = provisioningProgress(run, steps, run[0]?.created_at ?? store.updated_at);
  if (!progress) return null;
  const label = `Step ${progress.step} of ${progress.steps}: ${progress.description}`;
  return (
    <div className="progress">
      <progress max={progress.steps} value={progress.step - 1} aria-label={label} />
      <p>
        {label} · <span className="progress-elapsed">{formatDuration(now - Date.parse(run[0]?.created_at ?? store.updated_at))} so far</span>
      </p>
    </div>
  );
}
