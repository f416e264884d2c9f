import { useRef, useState } from "react";
import { useNavigate } from "react-router";
import { ENVIRONMENTS, type Backup, type Environment } from "../api/types";
import { Dialog } from "../components/Dialog";
import { ErrorNotice } from "../components/ErrorNotice";
import { Field } from "../components/Field";
import { routes } from "../urls";
import { backupTime } from "./describe";
import { useCloneStore } from "./queries";

interface CloneDialogProps {
  backup: Backup;
  onClose: () => void;
}

/** A new store, with its own domain and credentials, started from the data of a backup. */
export function CloneDialog({ backup, onClose }: CloneDialogProps) {
  const clone = useCloneStore();
  const navigate = useNavigate();
  const [name, setName] = useState("");
  const [environment, setEnvironment] = useState<Environment>(ENVIRONMENTS[0] ?? "local");
  // One key per dialog: pressing the button again after a lost answer creates one store.
  const key = useRef(Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join(""));
  return (
    <Dialog title={`Clone ${backup.store_name} from the backup of ${backupTime(backup)}`} onClose={onClose}>
      <p>
        A new store starts with the products, orders, customers and files of this backup, under its
        own name, domain and admin password. {backup.store_name} itself is not changed.
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          clone.mutate(
            { storeName: name.trim(), environment, backup, key: key.current },
            { onSuccess: (store) => void navigate(routes.storeDetail(store.id)) },
          );
        }}
      >
        <Field id="clone-name" label="New store name" hint="Lowercase letters, digits and hyphens." problem={undefined}>
          {(described) => (
            <input
              id="clone-name"
              data-autofocus
              value={name}
              onChange={(event) => setName(event.target.value)}
              {...described}
            />
          )}
        </Field>
        <Field id="clone-environment" label="Environment" hint="Which values file the new store is installed with." problem={undefined}>
          {(described) => (
            <select
              id="clone-environment"
              value={environment}
              onChange={(event) => setEnvironment(event.target.value as Environment)}
              {...described}
            >
              {ENVIRONMENTS.map((option) => (
                <option key={option}>{option}</option>
              ))}
            </select>
          )}
        </Field>
        {clone.isError && <ErrorNotice title="The clone was not created" error={clone.error} />}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={clone.isPending || !name.trim()}>
            {clone.isPending ? "Creating…" : "Create the clone"}
          </button>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </Dialog>
  );
}
