import { useEffect, useRef, useState } from "react";
import { Link, useLocation, useNavigate, useSearchParams } from "react-router";
import { useAllows } from "../auth/access";
import { STORE_ORDERS, STORE_STATUSES, type Store, type StoreOrder, type StoreStatus } from "../api/types";
import { ErrorNotice } from "../components/ErrorNotice";
import { routes, type StoreListView } from "../urls";
import { ListNotice } from "./ListNotice";
import { useStorePage } from "./queries";
import { isChanging } from "./status";
import { BackupOverdueBadge } from "../backups/BackupOverdueBadge";
import { StatusBadge } from "./StatusBadge";
import { formatAge, formatTimestamp } from "./time";
import { useNow } from "./useNow";

export const PAGE_SIZE = 20;
const SEARCH_DELAY_MS = 300;

const ORDER_LABELS: Record<StoreOrder, string> = {
  newest: "Newest first",
  oldest: "Oldest first",
  name: "Name",
  status: "Status",
};

export function StoreListPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const view: StoreListView = {
    status: parseStatus(params.get("status")),
    search: params.get("q") ?? undefined,
    sort: parseOrder(params.get("sort")),
  };
  const page = parsePage(params.get("page"));
  const stores = useStorePage({
    status: view.status,
    search: view.search,
    sort: view.sort,
    limit: PAGE_SIZE,
    offset: (page - 1) * PAGE_SIZE,
  });
  // The first failed request is shown at once, even while the query retries it: people should
  // not watch "Loading…" for the length of a back-off.
  const failure = stores.isError ? stores.error : stores.failureCount > 0 ? stores.failureReason : null;
  const show = (change: StoreListView) => void navigate(routes.storeList({ ...view, ...change }));
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
        <SearchBox value={view.search ?? ""} onSearch={(search) => show({ search: search || undefined })} />
        <div className="toolbar-control">
          <label htmlFor="status-filter">Status</label>
          <select
            id="status-filter"
            value={view.status ?? ""}
            onChange={(event) => show({ status: parseStatus(event.target.value) })}
          >
            <option value="">All live stores</option>
            {STORE_STATUSES.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
        </div>
        <div className="toolbar-control">
          <label htmlFor="sort-order">Sort</label>
          <select
            id="sort-order"
            value={view.sort ?? "newest"}
            onChange={(event) => show({ sort: parseOrder(event.target.value) })}
          >
            {STORE_ORDERS.map((order) => (
              <option key={order} value={order}>
                {ORDER_LABELS[order]}
              </option>
            ))}
          </select>
        </div>
      </div>

      {failure ? (
        <ErrorNotice
          title={stores.data ? "Could not refresh the stores; showing the last known state" : "Could not load the stores"}
          error={failure}
          onRetry={() => void stores.refetch()}
        />
      ) : (
        stores.data && <LiveNote stores={stores.data.items} />
      )}

      {stores.isPending && !failure && <p className="muted">Loading stores…</p>}

      {stores.data &&
        (stores.data.total === 0 ? (
          <EmptyState view={view} />
        ) : (
          <>
            <StoreTable stores={stores.data.items} />
            <Pager
              page={page}
              total={stores.data.total}
              shown={stores.data.items.length}
              onPage={(next) => void navigate(routes.storeList({ ...view, page: next }))}
            />
          </>
        ))}
    </section>
  );
}

/** Search as people type, without a request per keystroke. */
function SearchBox({ value, onSearch }: { value: string; onSearch: (search: string) => void }) {
  const [text, setText] = useState(value);
  // The URL changed under the box (a link that clears the search): show what it says now.
  const [shownValue, setShownValue] = useState(value);
  if (value !== shownValue) {
    setShownValue(value);
    setText(value);
  }
  const latest = useRef(onSearch);
  useEffect(() => {
    latest.current = onSearch;
  });
  // Which list the search was typed on (a filter changed since starts the wait again).
  const { key } = useLocation();
  useEffect(() => {
    if (text.trim() === value) return;
    const typedOn = window.location.href;
    const timer = window.setTimeout(() => {
      // A link followed while the search waited wins: the router keeps this page on screen
      // while the next one renders, and the search must not take the person back here.
      if (window.location.href === typedOn) latest.current(text.trim());
    }, SEARCH_DELAY_MS);
    return () => window.clearTimeout(timer);
  }, [text, value, key]);
  return (
    <div className="toolbar-control toolbar-search">
      <label htmlFor="store-search">Search</label>
      <input
        id="store-search"
        type="search"
        placeholder="Name or domain"
        autoComplete="off"
        spellCheck={false}
        value={text}
        onChange={(event) => setText(event.target.value)}
      />
    </div>
  );
}

function StoreTable({ stores }: { stores: readonly Store[] }) {
  const now = useNow(15_000);
  return (
    // Focusable, so the keyboard can scroll it when a wide table overflows (desktop); narrow
    // screens get cards instead (styles.css).
    // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrollable region must be reachable by keyboard
    <div className="table-scroll" tabIndex={0} role="region" aria-label="Stores">
      <table className="stores">
        <caption className="visually-hidden">Stores, newest first</caption>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Domain</th>
            <th scope="col">Environment</th>
            <th scope="col">Plan</th>
            <th scope="col">Version</th>
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
              <td data-label="Domain">
                {store.urls ? (
                  <a href={store.urls.storefront} target="_blank" rel="noreferrer">
                    {store.domain}
                  </a>
                ) : (
                  store.domain
                )}
              </td>
              <td data-label="Environment">{store.environment}</td>
              <td data-label="Plan">{store.plan}</td>
              <td data-label="Version">
                {store.version ?? <span className="muted">unversioned</span>}
                {store.upgrade && <span className="muted"> → {store.upgrade.version}</span>}
                {store.pinned && <span className="pin" title="Skipped by rollouts"> (pinned)</span>}
              </td>
              <td className="status-cell" data-label="Status">
                <StatusBadge status={store.status} /> <BackupOverdueBadge store={store} />
              </td>
              <td className="reason" data-label="Reason">
                {/* Two lines at most; the full text is in the title and on the store's page. */}
                {store.status_reason && <span title={store.status_reason}>{store.status_reason}</span>}
              </td>
              <td data-label="Age">
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
    <p className="live-note" role="status">
      {changing > 0 &&
        `${changing} ${changing === 1 ? "store is" : "stores are"} changing; updating live`}
    </p>
  );
}

function EmptyState({ view }: { view: StoreListView }) {
  const canCreate = useAllows("write");
  if (view.search || view.status) {
    const what = [view.status && `are ${view.status}`, view.search && `match “${view.search}”`]
      .filter(Boolean)
      .join(" and ");
    return (
      <div className="empty">
        <p>No stores {what}.</p>
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

function parseOrder(value: string | null): StoreOrder | undefined {
  return STORE_ORDERS.find((order) => order === value);
}

function parsePage(value: string | null): number {
  const page = Number(value);
  return Number.isInteger(page) && page >= 1 ? page : 1;
}
