import { Link, useNavigate, useSearchParams } from "react-router";
import { useAllows } from "../auth/access";
import { STORE_STATUSES, type Store, type StoreStatus } from "../api/types";
import { ErrorNotice } from "../components/ErrorNotice";
import { routes } from "../urls";
import { ListNotice } from "./ListNotice";
import { useStorePage } from "./queries";
import { isChanging } from "./status";
import { StatusBadge } from "./StatusBadge";
import { formatAge, formatTimestamp } from "./time";
import { useNow } from "./useNow";

export const PAGE_SIZE = 20;

export function StoreListPage() {
  const [search] = useSearchParams();
  const navigate = useNavigate();
  const status = parseStatus(search.get("status"));
  const page = parsePage(search.get("page"));
  const stores = useStorePage({ status, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE });
  const canCreate = useAllows("write");

  return (
    <section aria-labelledby="stores-heading">
      <div className="page-header">
        <h1 id="stores-heading">Stores</h1>
        {canCreate && (
          <Link className="button button-primary" to={routes.newStore()}>
            New store
          </Link>
        )}
      </div>

      <ListNotice />

      <div className="toolbar">
        <label htmlFor="status-filter">Status</label>
        <select
          id="status-filter"
          value={status ?? ""}
          onChange={(event) =>
            void navigate(routes.storeList({ status: parseStatus(event.target.value) }))
          }
        >
          <option value="">All live stores</option>
          {STORE_STATUSES.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
        {stores.data && <LiveNote stores={stores.data.items} />}
      </div>

      {stores.isError && (
        <ErrorNotice
          title={stores.data ? "Could not refresh the stores; showing the last known state" : "Could not load the stores"}
          error={stores.error}
          onRetry={() => void stores.refetch()}
        />
      )}

      {stores.isPending && <p className="muted">Loading stores…</p>}

      {stores.data &&
        (stores.data.total === 0 ? (
          <EmptyState status={status} />
        ) : (
          <>
            <StoreTable stores={stores.data.items} />
            <Pager
              page={page}
              total={stores.data.total}
              shown={stores.data.items.length}
              onPage={(next) => void navigate(routes.storeList({ status, page: next }))}
            />
          </>
        ))}
    </section>
  );
}

function StoreTable({ stores }: { stores: readonly Store[] }) {
  const now = useNow(15_000);
  return (
    <div className="table-scroll">
      <table className="stores">
        <caption className="visually-hidden">Stores, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Domain</th>
            <th scope="col">Environment</th>
            <th scope="col">Status</th>
            <th scope="col">Reason</th>
            <th scope="col">Age</th>
          </tr>
        </thead>
        <tbody>
          {stores.map((store) => (
            <tr key={store.id} data-store-id={store.id}>
              <th scope="row">
                <Link to={routes.storeDetail(store.id)}>{store.store_name}</Link>
              </th>
              <td>
                {store.urls ? (
                  <a href={store.urls.storefront} target="_blank" rel="noreferrer">
                    {store.domain}
                  </a>
                ) : (
                  store.domain
                )}
              </td>
              <td>{store.environment}</td>
              <td>
                <StatusBadge status={store.status} />
              </td>
              <td className="reason">{store.status_reason ?? ""}</td>
              <td>
                <time dateTime={store.created_at} title={formatTimestamp(store.created_at)}>
                  {formatAge(store.created_at, now)}
                </time>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function LiveNote({ stores }: { stores: readonly Store[] }) {
  const changing = stores.filter((store) => isChanging(store.status)).length;
  return (
    <p className="live-note" aria-live="polite">
      {changing > 0 &&
        `${changing} ${changing === 1 ? "store is" : "stores are"} changing; updating live`}
    </p>
  );
}

function EmptyState({ status }: { status: StoreStatus | undefined }) {
  const canCreate = useAllows("write");
  if (status) {
    return (
      <div className="empty">
        <p>No stores are {status}.</p>
        <Link to={routes.storeList()}>Show all live stores</Link>
      </div>
    );
  }
  return (
    <div className="empty">
      <p>No stores yet. A new store is ready in a few minutes.</p>
      {canCreate && (
        <Link className="button button-primary" to={routes.newStore()}>
          Create your first store
        </Link>
      )}
    </div>
  );
}

interface PagerProps {
  page: number;
  total: number;
  shown: number;
  onPage: (page: number) => void;
}

function Pager({ page, total, shown, onPage }: PagerProps) {
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const first = (page - 1) * PAGE_SIZE + 1;
  if (shown === 0) {
    // Stores went away under us (deleted while paging): offer the way back.
    return (
      <nav className="pager" aria-label="Pages">
        <p>This page is empty now.</p>
        <button type="button" className="button" onClick={() => onPage(1)}>
          Go to the first page
        </button>
      </nav>
    );
  }
  return (
    <nav className="pager" aria-label="Pages">
      <p>
        Showing {first}–{first + shown - 1} of {total}
      </p>
      {pages > 1 && (
        <div className="pager-buttons">
          <button type="button" className="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
            Previous page
          </button>
          <span>
            Page {page} of {pages}
          </span>
          <button type="button" className="button" disabled={page >= pages} onClick={() => onPage(page + 1)}>
            Next page
          </button>
        </div>
      )}
    </nav>
  );
}

function parseStatus(value: string | null): StoreStatus | undefined {
  return STORE_STATUSES.find((status) => status === value);
}

function parsePage(value: string | null): number {
  const page = Number(value);
  return Number.isInteger(page) && page >= 1 ? page : 1;
}
