import type { Store } from "../api/types";
import { formatTimestamp } from "../stores/time";

/** A warning next to a store whose last successful backup is older than its schedule allows. */
export function BackupOverdueBadge({ store }: { store: Store }) {
  const backups = store.backups;
  if (!backups?.overdue) return null;
  const last = backups.last_success_at
    ? `last successful backup ${formatTimestamp(backups.last_success_at)}`
    : "no successful backup yet";
  return (
    <span
      className="badge badge-warning"
      data-backup-overdue
      title={`Backup overdue: ${last}; schedule ${backups.schedule}`}
    >
      <span className="badge-symbol" aria-hidden="true">
        !
      </span>
      Backup overdue
    </span>
  );
}
