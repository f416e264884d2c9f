import type { Store, StoreEvent } from "../api/types";
import { formatDuration, provisioningProgress } from "./progress";
import { usePlatformInfo } from "./queries";
import { useNow } from "./useNow";

/** "Step 3 of 4: installing the helm release · 42s so far", with a bar for the same. */
export function ProvisioningProgress({ store, events }: { store: Store; events: readonly StoreEvent[] }) {
  const info = usePlatformInfo();
  const now = useNow(1000);
  const steps = info.data?.provisioning_steps;
  const progress = steps ? provisioningProgress(events, steps, store.created_at) : null;
  if (!progress) return null;
  const label = `Step ${progress.step} of ${progress.steps}: ${progress.description}`;
  return (
    <div className="progress">
      <progress max={progress.steps} value={progress.step - 1} aria-label={label} />
      <p>
        {label} · <span className="progress-elapsed">{formatDuration(now - Date.parse(progress.since))} so far</span>
      </p>
    </div>
  );
}
