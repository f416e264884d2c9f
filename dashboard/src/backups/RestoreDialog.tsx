import { useState } from "react";
import type { Backup, Store } from "../api/types";
import { Dialog } from "../components/Dialog";
import { ErrorNotice } from "../components/ErrorNotice";
import { backupTime, shortSnapshot } from "./describe";
import { useRestoreStore } from "./queries";

interface RestoreDialogProps {
  store: Store;
  backup: Backup;
  onClose: () => void;
}

/** Says exactly what a restore overwrites before anyone can start it. */
export function RestoreDialog({ store, backup, onClose }: RestoreDialogProps) {
  const restore = useRestoreStore(store.id);
  const [safetyBackup, setSafetyBackup] = useState(true);
  return (
    <Dialog title={`Restore ${store.store_name} from the backup of ${backupTime(backup)}?`} onClose={onClose}>
      <p>
        This overwrites the database of <strong>{store.store_name}</strong> ({store.domain}) —
        orders, customers, products and settings — and its uploaded files with those of backup{" "}
        <code>{backup.id}</code> (snapshot <code>{shortSnapshot(backup)}</code>, taken{" "}
        {backupTime(backup)}). Everything that changed since then is lost.
      </p>
      <p>The storefront is paused while the data is replaced, then starts again.</p>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={safetyBackup}
          onChange={(event) => setSafetyBackup(event.target.checked)}
        />{" "}
        Back up the store as it is now first (a safety backup you can restore to undo this)
      </label>
      {restore.isError && <ErrorNotice title="The restore did not start" error={restore.error} />}
      <div className="form-actions">
        <button
          type="button"
          className="button button-danger"
          disabled={restore.isPending}
          onClick={() => restore.mutate({ backupId: backup.id, safetyBackup }, { onSuccess: onClose })}
        >
          {restore.isPending ? "Starting the restore…" : `Overwrite ${store.store_name}`}
        </button>
        <button type="button" className="button" data-autofocus onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
