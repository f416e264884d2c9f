import type { Store } from "../api/types";
import { Dialog } from "../components/Dialog";
import { ErrorNotice } from "../components/ErrorNotice";
import { useDeleteStore } from "./queries";

interface DeleteStoreDialogProps {
  store: Store;
  onCancel: () => void;
  onDeleted: (store: Store) => void;
}

export function DeleteStoreDialog({ store, onCancel, onDeleted }: DeleteStoreDialogProps) {
  const remove = useDeleteStore();
  return (
    <Dialog title={`Delete store ${store.store_name}?`} onClose={onCancel}>
      <p>
        This removes <strong>{store.store_name}</strong> ({store.domain}) and everything it has in
        the cluster: namespace <code>{store.namespace}</code>, its database, orders and uploads. It
        cannot be undone.
      </p>
      {remove.isError && <ErrorNotice title="The store was not deleted" error={remove.error} />}
      <div className="form-actions">
        <button
          type="button"
          className="button button-danger"
          disabled={remove.isPending}
          onClick={() => remove.mutate(store.id, { onSuccess: onDeleted })}
        >
          {remove.isPending ? "Deleting…" : `Delete ${store.store_name}`}
        </button>
        <button type="button" className="button" data-autofocus onClick={onCancel}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}
