import { useState } from "react";
import type { Store } from "../api/types";
import { useAllows } from "../auth/access";
import { Dialog } from "../components/Dialog";
import { ErrorNotice } from "../components/ErrorNotice";
import { useStoreOperation, type StoreOperation } from "./operationQueries";
import { operationsFor } from "./operations";

const LABELS: Record<StoreOperation, { idle: string; busy: string; failed: string }> = {
  suspend: { idle: "Suspend…", busy: "Suspending…", failed: "Could not suspend the store" },
  resume: { idle: "Resume", busy: "Resuming…", failed: "Could not resume the store" },
  repair: { idle: "Repair", busy: "Repairing…", failed: "Could not repair the store" },
  "recreate-empty": {
    idle: "Recreate empty…",
    busy: "Recreating…",
    failed: "Could not recreate the store",
  },
};

/** Suspend, resume, repair and (for lost data) recreate empty; disruptive ones confirm first. */
export function StoreOperations({ store }: { store: Store }) {
  const canWrite = useAllows("write");
  const operation = useStoreOperation();
  const [confirming, setConfirming] = useState<StoreOperation | null>(null);
  if (!canWrite) return null;

  const run = (chosen: StoreOperation) =>
    operation.mutate({ storeId: store.id, operation: chosen }, { onSuccess: () => setConfirming(null) });
  const pending = operation.isPending ? operation.variables.operation : null;

  return (
    <>
      {operationsFor(store).map((chosen) => (
        <button
          key={chosen}
          type="button"
          className={chosen === "recreate-empty" ? "button button-danger" : "button"}
          disabled={operation.isPending}
          onClick={() => (chosen === "suspend" || chosen === "recreate-empty" ? setConfirming(chosen) : run(chosen))}
        >
          {pending === chosen ? LABELS[chosen].busy : LABELS[chosen].idle}
        </button>
      ))}
      {operation.isError && !confirming && (
        <ErrorNotice title={LABELS[operation.variables.operation].failed} error={operation.error} />
      )}
      {confirming === "suspend" && (
        <Dialog title={`Suspend store ${store.store_name}?`} onClose={() => setConfirming(null)}>
          <p>
            WordPress and MariaDB stop; the shop's data is kept. Until it is resumed, shoppers at{" "}
            <strong>{store.domain}</strong> get a maintenance page and cannot order.
          </p>
          {operation.isError && <ErrorNotice title={LABELS.suspend.failed} error={operation.error} />}
          <div className="form-actions">
            <button type="button" className="button button-danger" disabled={operation.isPending} onClick={() => run("suspend")}>
              {operation.isPending ? LABELS.suspend.busy : `Suspend ${store.store_name}`}
            </button>
            <button type="button" className="button" data-autofocus onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </div>
        </Dialog>
      )}
      {confirming === "recreate-empty" && (
        <RecreateEmptyDialog
          store={store}
          busy={operation.isPending}
          error={operation.isError ? operation.error : null}
          onConfirm={() => run("recreate-empty")}
          onCancel={() => setConfirming(null)}
        />
      )}
    </>
  );
}

interface RecreateEmptyDialogProps {
  store: Store;
  busy: boolean;
  error: Error | null;
  onConfirm: () => void;
  onCancel: () => void;
}

/** Starting over empty is final: the store's name must be typed to do it. */
function RecreateEmptyDialog({ store, busy, error, onConfirm, onCancel }: RecreateEmptyDialogProps) {
  const [typed, setTyped] = useState("");
  return (
    <Dialog title={`Recreate store ${store.store_name} empty?`} onClose={onCancel}>
      <p>
        The store's data is lost ({store.status_reason}). Recreating it gives{" "}
        <strong>{store.domain}</strong> a new, empty shop with new credentials: no products,
        orders or customers come back. Restore a backup instead if there is one.
      </p>
      <label className="field">
        <span>Type {store.store_name} to confirm</span>
        <input value={typed} onChange={(event) => setTyped(event.target.value)} autoComplete="off" />
      </label>
      {error && <ErrorNotice title={LABELS["recreate-empty"].failed} error={error} />}
      <div className="form-actions">
        <button
          type="button"
          className="button button-danger"
          disabled={busy || typed !== store.store_name}
          onClick={onConfirm}
        >
          {busy ? LABELS["recreate-empty"].busy : "Recreate empty"}
        </button>
        <button type="button" className="button" data-autofocus onClick={onCancel}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
