import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router";
import { ApiError } from "../api/errors";
import type { Store, StoreEvent } from "../api/types";
import { ErrorNotice } from "../components/ErrorNotice";
import { routes } from "../urls";
import { useAllows } from "../auth/access";
import { AdminPasswordDialog } from "./AdminPasswordDialog";
import { DeleteStoreDialog } from "./DeleteStoreDialog";
import { EventTimeline } from "./EventTimeline";
import { ProvisioningProgress } from "./ProvisioningProgress";
import { usePlatformInfo, useRetryStore, useStore, useStoreEvents } from "./queries";
import { SignIn } from "./SignIn";
import { STATUS_LOOK } from "./status";
import { StatusBadge } from "./StatusBadge";
import { StoreOperations } from "./StoreOperations";
import { WorkloadsPanel } from "./WorkloadsPanel";
import type { ListNoticeState } from "./ListNotice";
import { formatTimestamp } from "./time";

export function StoreDetailPage() {
  const { storeId = "" } = useParams();
  const store = useStore(storeId);
  const events = useStoreEvents(storeId, store.data);
  const info = usePlatformInfo();

  return (
    <section aria-labelledby="store-heading">
      <p>
        <Link to={routes.storeList()}>← All stores</Link>
      </p>
      {store.isPending && <p className="muted">Loading the store…</p>}
      {store.isError && !store.data && (
        <>
          <h1 id="store-heading">Store</h1>
          {store.error instanceof ApiError && store.error.status === 404 ? (
            <div className="notice notice-error" role="alert">
              <p>
                <strong>No such store.</strong> It may have been deleted, or the link is wrong.
              </p>
            </div>
          ) : (
            <ErrorNotice title="Could not load the store" error={store.error} onRetry={() => void store.refetch()} />
          )}
        </>
      )}
      {store.data && (
        <>
          {store.isError && (
            <ErrorNotice
              title="Could not refresh the store; showing the last known state"
              error={store.error}
              onRetry={() => void store.refetch()}
            />
          )}
          <StoreSummary store={store.data} events={events.data} />
          {info.data && store.data.status !== "Deleted" && <SignIn store={store.data} info={info.data} />}
          <WorkloadsPanel store={store.data} />
          <h2>Timeline</h2>
          {events.isError && (
            <ErrorNotice title="Could not load the timeline" error={events.error} onRetry={() => void events.refetch()} />
          )}
          {events.isPending && <p className="muted">Loading the timeline…</p>}
          {events.data && <EventTimeline events={events.data} />}
        </>
      )}
    </section>
  );
}

function StoreSummary({ store, events }: { store: Store; events: readonly StoreEvent[] | undefined }) {
  const navigate = useNavigate();
  const retry = useRetryStore();
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [revealing, setRevealing] = useState(false);
  const canWrite = useAllows("write");
  const canReadSecrets = useAllows("admin");
  const canDelete = canWrite && store.status !== "Deleting" && store.status !== "Deleted";

  return (
    <>
      <div className="page-header">
        <h1 id="store-heading">
          {store.store_name} <StatusBadge status={store.status} />
        </h1>
        <div className="actions">
          {canReadSecrets && store.status !== "Deleted" && (
            <button type="button" className="button" onClick={() => setRevealing(true)}>
              Show admin password…
            </button>
          )}
          {canWrite && store.status === "Failed" && (
            <button
              type="button"
              className="button"
              disabled={retry.isPending}
              onClick={() => retry.mutate(store.id)}
            >
              {retry.isPending ? "Retrying…" : "Retry"}
            </button>
          )}
          <StoreOperations store={store} />
          {canDelete && (
            <button type="button" className="button button-danger" onClick={() => setConfirmingDelete(true)}>
              Delete…
            </button>
          )}
        </div>
      </div>

      <StatusCallout store={store} events={events} />
      {retry.isError && <ErrorNotice title="Could not retry the store" error={retry.error} />}

      <dl className="facts">
        <dt>Storefront</dt>
        <dd>
          {store.urls ? (
            <a href={store.urls.storefront} target="_blank" rel="noreferrer">
              {store.urls.storefront}
            </a>
          ) : (
            <span className="muted">available when the store is Ready</span>
          )}
        </dd>
        <dt>WP admin</dt>
        <dd>
          {store.urls ? (
            <a href={store.urls.admin} target="_blank" rel="noreferrer">
              {store.urls.admin}
            </a>
          ) : (
            <span className="muted">available when the store is Ready</span>
          )}
        </dd>
        <dt>Domain</dt>
        <dd>{store.domain}</dd>
        <dt>Environment</dt>
        <dd>{store.environment}</dd>
        <dt>Namespace</dt>
        <dd>
          <code>{store.namespace}</code>
        </dd>
        <dt>Created</dt>
        <dd>{formatTimestamp(store.created_at)}</dd>
        <dt>Last change</dt>
        <dd>{formatTimestamp(store.updated_at)}</dd>
      </dl>

      {revealing && <AdminPasswordDialog store={store} onClose={() => setRevealing(false)} />}
      {confirmingDelete && (
        <DeleteStoreDialog
          store={store}
          onCancel={() => setConfirmingDelete(false)}
          onDeleted={(deleted) => {
            const state: ListNoticeState = {
              notice: `Deleting store ${deleted.store_name}. It disappears from the list once it is gone.`,
              storeId: deleted.id,
            };
            void navigate(routes.storeList(), { state });
          }}
        />
      )}
    </>
  );
}

/** What the store is waiting on or stopped at, said where people look first. */
function StatusCallout({ store, events }: { store: Store; events: readonly StoreEvent[] | undefined }) {
  const reason = store.status_reason;
  switch (store.status) {
    case "Provisioning":
      return (
        <div className="notice notice-progress status-callout" role="status">
          <p>
            <strong>Provisioning.</strong> {reason ? `Waiting on: ${reason}` : "Starting."}
          </p>
          {events && <ProvisioningProgress store={store} events={events} />}
        </div>
      );
    case "Deleting":
      return (
        <div className="notice notice-progress status-callout" role="status">
          <p>
            <strong>Deleting.</strong> {reason ?? ""}
          </p>
        </div>
      );
    case "Failed":
      return (
        <div className="notice notice-error status-callout" role="status">
          <p>
            <strong>Failed.</strong> {reason ?? "No reason was recorded."}
          </p>
          <p>Retry resumes from the step that failed; Delete removes everything it created.</p>
        </div>
      );
    case "Degraded":
      if (store.data_lost_at) {
        return (
          <div className="notice notice-error status-callout" role="status">
            <p>
              <strong>Data lost.</strong> {reason}
            </p>
            <p>
              Nothing is recreated until you choose: recreate the store empty, restore a backup, or
              delete it.
            </p>
          </div>
        );
      }
      return (
        <div className="notice notice-warning status-callout" role="status">
          <p>
            <strong>Degraded.</strong> {reason ?? STATUS_LOOK.Degraded.description}
          </p>
        </div>
      );
    case "Suspended":
      return (
        <div className="notice notice-progress status-callout" role="status">
          <p>
            <strong>Suspended.</strong> {reason ?? STATUS_LOOK.Suspended.description}
          </p>
        </div>
      );
    case "Ready":
    case "Deleted":
      return reason ? <p className="muted">{reason}</p> : null;
  }
}
