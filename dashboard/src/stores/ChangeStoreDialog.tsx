import { useState } from "react";
import type { Catalogue, Store, StoreUpdate } from "../api/types";
import { Dialog } from "../components/Dialog";
import { ErrorNotice } from "../components/ErrorNotice";
import { Field } from "../components/Field";
import { useCatalogue, useUpdateStore } from "./queries";

interface ChangeStoreDialogProps {
  store: Store;
  onClose: () => void;
}

/**
 * Choose a new plan or version, see what will happen, confirm. The platform refuses what cannot
 * work (a volume that would shrink, a storage class that cannot grow) and says why here.
 */
export function ChangeStoreDialog({ store, onClose }: ChangeStoreDialogProps) {
  const catalogue = useCatalogue();
  return (
    <Dialog title={`Change store ${store.store_name}?`} onClose={onClose}>
      {catalogue.isPending && <p className="muted">Loading the plans and versions…</p>}
      {catalogue.isError && (
        <ErrorNotice title="Could not load the plans and versions" error={catalogue.error} />
      )}
      {catalogue.data ? (
        <ChangeForm store={store} catalogue={catalogue.data} onClose={onClose} />
      ) : (
        <div className="form-actions">
          <button type="button" className="button" data-autofocus onClick={onClose}>
            Cancel
          </button>
        </div>
      )}
    </Dialog>
  );
}

function ChangeForm({ store, catalogue, onClose }: ChangeStoreDialogProps & { catalogue: Catalogue }) {
  const update = useUpdateStore();
  const [plan, setPlan] = useState(store.plan);
  const [version, setVersion] = useState(store.version ?? "");
  const change: StoreUpdate = {};
  if (plan !== store.plan) change.plan = plan;
  if (version !== "" && version !== store.version) change.version = version;
  const changes = Object.keys(change).length > 0;
  const summary = [
    change.plan && `plan ${store.plan} → ${change.plan}`,
    change.version && `version ${store.version ?? "unversioned"} → ${change.version}`,
  ].filter(Boolean);

  return (
    <>
      <Field id="change-plan" label="Plan" hint="Volumes only grow: a plan with smaller volumes is refused." problem={undefined}>
        {(described) => (
          <select id="change-plan" value={plan} onChange={(event) => setPlan(event.target.value)} {...described}>
            {catalogue.plans.map((option) => (
              <option key={option.name} value={option.name}>
                {option.name} — {option.php_workers} PHP workers, {option.wordpress_storage} files,{" "}
                {option.database_storage} database
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field id="change-version" label="Version" hint="WordPress and WooCommerce the store runs." problem={undefined}>
        {(described) => (
          <select id="change-version" value={version} onChange={(event) => setVersion(event.target.value)} {...described}>
            {store.version === null && <option value="">unversioned</option>}
            {catalogue.versions.map((option) => (
              <option key={option.name} value={option.name}>
                {option.name} — WordPress {option.wordpress}, WooCommerce {option.woocommerce}
              </option>
            ))}
          </select>
        )}
      </Field>
      {changes && (
        <p>
          Upgrading <strong>{store.store_name}</strong>: {summary.join(", ")}. helm upgrades
          the store and its pods are replaced; if the new revision is not ready in time it is
          rolled back and the store ends Failed with the reason.
        </p>
      )}
      {update.isError && <ErrorNotice title="The store was not changed" error={update.error} />}
      <div className="form-actions">
        <button
          type="button"
          className="button button-primary"
          disabled={!changes || update.isPending}
          onClick={() => update.mutate({ storeId: store.id, change }, { onSuccess: onClose })}
        >
          {update.isPending ? "Upgrading…" : `Upgrade ${store.store_name}`}
        </button>
        <button type="button" className="button" data-autofocus onClick={onClose}>
          Cancel
        </button>
      </div>
    </>
  );
}
