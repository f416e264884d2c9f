import { useState } from "react";
import type { Backup, Store } from "../api/types";
import { useAllows } from "../auth/access";
import { ErrorNotice } from "../components/ErrorNotice";
import { usePlatformInfo } from "../stores/queries";
import { backupTime, formatSize, shortSnapshot } from "./describe";
import { CloneDialog } from "./CloneDialog";
import { useCreateBackup, useStoreBackups } from "./queries";
import { RestoreDialog } from "./RestoreDialog";

const ACTIVE = new Set(["Ready", "Degraded"]);

/** A store's backups: the list, "Back up now", and a restore or a clone from any good one. */
export function BackupsPanel({ store }: { store: Store }) {
  const info = usePlatformInfo();
  if (info.data && !info.data.backups_enabled) {
    return <p className="muted">Backups are off on this platform (no backup target is configured).</p>;
  }
  return <BackupList store={store} />;
}

function BackupList({ store }: { store: Store }) {
  const backups = useStoreBackups(store);
  const create = useCreateBackup(store.id);
  const canWrite = useAllows("write");
  const [restoring, setRestoring] = useState<Backup | null>(null);
  const [cloning, setCloning] = useState<Backup | null>(null);
  const active = ACTIVE.has(store.status);
  const running = backups.data?.some((backup) => backup.status === "Running" && backup.kind !== "scheduled");

  return (
    <>
      <div className="page-header">
        <p className="muted">
          {store.backups ? `Scheduled ${store.backups.schedule} (UTC).` : ""}
          {store.status === "Restoring" && " A restore is in progress."}
        </p>
        {canWrite && active && (
          <div className="actions">
            <button
              type="button"
              className="button"
              disabled={create.isPending || running}
              onClick={() => create.mutate()}
            >
              {create.isPending ? "Starting…" : running ? "Backing up…" : "Back up now"}
            </button>
          </div>
        )}
      </div>
      {create.isError && <ErrorNotice title="The backup did not start" error={create.error} />}
      {backups.isError && (
        <ErrorNotice title="Could not load the backups" error={backups.error} onRetry={() => void backups.refetch()} />
      )}
      {backups.isPending && <p className="muted">Loading the backups…</p>}
      {backups.data?.length === 0 && <p className="muted">No backup yet.</p>}
      {backups.data && backups.data.length > 0 && (
        <div className="table-scroll">
          <table className="stores backups">
            <caption className="visually-hidden">Backups of {store.store_name}, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Taken</th>
                <th scope="col">Kind</th>
                <th scope="col">Status</th>
                <th scope="col">Snapshot</th>
                <th scope="col">Size</th>
                <th scope="col">Reason</th>
                {canWrite && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {backups.data.map((backup) => (
                <tr key={backup.id} data-backup-id={backup.id}>
                  <th scope="row">{backupTime(backup)}</th>
                  <td data-label="Kind">{backup.kind}</td>
                  <td data-label="Status">{backup.status}</td>
                  <td data-label="Snapshot">
                    <code>{shortSnapshot(backup)}</code>
                  </td>
                  <td data-label="Size">{formatSize(backup.size_bytes)}</td>
                  <td className="reason" data-label="Reason">
                    {backup.reason && <span title={backup.reason}>{backup.reason}</span>}
                  </td>
                  {canWrite && (
                    <td data-label="Actions">
                      {backup.status === "Succeeded" && (
                        <span className="actions">
                          {active && (
                            <button type="button" className="button button-quiet" onClick={() => setRestoring(backup)}>
                              Restore…
                            </button>
                          )}
                          <button type="button" className="button button-quiet" onClick={() => setCloning(backup)}>
                            Clone…
                          </button>
                        </span>
                      )}
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {restoring && <RestoreDialog store={store} backup={restoring} onClose={() => setRestoring(null)} />}
      {cloning && <CloneDialog backup={cloning} onClose={() => setCloning(null)} />}
    </>
  );
}
