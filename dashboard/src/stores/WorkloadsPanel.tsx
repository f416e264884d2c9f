import type { Store } from "../api/types";
import { ErrorNotice } from "../components/ErrorNotice";
import { LogViewer } from "./LogViewer";
import { useStoreWorkloads } from "./operationQueries";
import { formatTimestamp } from "./time";

/** What runs in the store's namespace now: pods, recent warnings, and a container's log. */
export function WorkloadsPanel({ store }: { store: Store }) {
  const workloads = useStoreWorkloads(store.id, store.status !== "Deleted");
  if (store.status === "Deleted") return null;
  return (
    <section aria-labelledby="workloads-heading">
      <div className="page-header">
        <h2 id="workloads-heading">Workloads</h2>
        <button type="button" className="button" disabled={workloads.isFetching} onClick={() => void workloads.refetch()}>
          {workloads.isFetching ? "Reading…" : "Refresh"}
        </button>
      </div>
      {workloads.isError && <ErrorNotice title="Could not read the workloads" error={workloads.error} />}
      {workloads.isPending && <p className="muted">Reading the workloads…</p>}
      {workloads.data && (
        <>
          {workloads.data.pods.length === 0 ? (
            <p className="muted">No pods run in the namespace.</p>
          ) : (
            // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrollable region must be reachable by keyboard
            <div className="table-scroll" tabIndex={0} role="region" aria-label="Pods">
              <table className="stores">
              <thead>
                <tr>
                  <th scope="col">Pod</th>
                  <th scope="col">Phase</th>
                  <th scope="col">Ready</th>
                  <th scope="col">Restarts</th>
                  <th scope="col">Last termination</th>
                  <th scope="col">Image</th>
                </tr>
              </thead>
              <tbody>
                {workloads.data.pods.map((pod) => (
                  <tr key={pod.name}>
                    <td>
                      <code>{pod.name}</code>
                      {pod.component && <span className="muted"> ({pod.component})</span>}
                    </td>
                    <td>{pod.phase}</td>
                    <td>{pod.ready ? "yes" : "no"}</td>
                    <td>{pod.restarts}</td>
                    <td>{pod.last_termination_reason ?? "–"}</td>
                    <td>
                      <code>{pod.image}</code>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            </div>
          )}
          <h3>Recent warnings</h3>
          {workloads.data.warnings.length === 0 ? (
            <p className="muted">No warning events.</p>
          ) : (
            <ul className="warnings">
              {workloads.data.warnings.map((warning, index) => (
                <li key={`${warning.object}-${warning.reason}-${index}`}>
                  <strong>{warning.reason}</strong> on <code>{warning.object}</code>
                  {warning.count > 1 && ` (×${warning.count})`}: {warning.message}
                  {warning.last_seen && <span className="muted"> — {formatTimestamp(warning.last_seen)}</span>}
                </li>
              ))}
            </ul>
          )}
          <LogViewer store={store} pods={workloads.data.pods} />
        </>
      )}
    </section>
  );
}
