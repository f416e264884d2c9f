import { useState } from "react";
import { Link } from "react-router";
import { useAllows } from "../auth/access";
import { ErrorNotice } from "../components/ErrorNotice";
import { formatTimestamp } from "../stores/time";
import { routes } from "../urls";
import { Badge } from "./Badge";
import { ROLLOUT_LOOK } from "./look";
import { useRollouts } from "./queries";
import { StartRolloutDialog } from "./StartRolloutDialog";

/** Fleet rollouts, newest first: where each one is and how its stores fared. */
export function RolloutListPage() {
  const rollouts = useRollouts();
  const canWrite = useAllows("write");
  const [starting, setStarting] = useState(false);
  return (
    <section aria-labelledby="rollouts-heading">
      <div className="page-header">
        <h1 id="rollouts-heading">Rollouts</h1>
        {canWrite && (
          <div className="actions">
            <button type="button" className="button button-primary" onClick={() => setStarting(true)}>
              Start a rollout…
            </button>
          </div>
        )}
      </div>
      <p className="muted">
        A rollout upgrades many stores to one version in waves: a canary first, then growing
        batches, halting when a wave fails more than it allows. From a terminal:{" "}
        <code>woo rollouts start VERSION --environment prod</code>.
      </p>
      {rollouts.isPending && <p className="muted">Loading the rollouts…</p>}
      {rollouts.isError && (
        <ErrorNotice title="Could not load the rollouts" error={rollouts.error} onRetry={() => void rollouts.refetch()} />
      )}
      {rollouts.data && rollouts.data.items.length === 0 && <p>No rollouts yet.</p>}
      {rollouts.data && rollouts.data.items.length > 0 && (
        // eslint-disable-next-line jsx-a11y/no-noninteractive-tabindex -- a scrollable region must be reachable by keyboard
        <div className="table-scroll" tabIndex={0} role="region" aria-label="Rollouts">
          <table className="stores">
            <caption className="visually-hidden">Rollouts, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Status</th>
                <th scope="col">Wave</th>
                <th scope="col">Stores</th>
                <th scope="col">Started</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {rollouts.data.items.map((rollout) => (
                <tr key={rollout.id}>
                  <th scope="row">
                    <Link to={routes.rolloutDetail(rollout.id)}>{rollout.target_version}</Link>
                  </th>
                  <td className="status-cell" data-label="Status">
                    <Badge look={ROLLOUT_LOOK[rollout.status]} label={rollout.status} />
                  </td>
                  <td data-label="Wave">
                    {Math.min(rollout.current_wave, rollout.wave_count)} of {rollout.wave_count}
                  </td>
                  <td data-label="Stores">
                    {rollout.counts.succeeded} upgraded, {rollout.counts.failed} failed,{" "}
                    {rollout.counts.pending + rollout.counts.upgrading} to go
                  </td>
                  <td data-label="Started">{formatTimestamp(rollout.created_at)}</td>
                  <td className="reason" data-label="Reason">
                    {rollout.status_reason}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {starting && <StartRolloutDialog onClose={() => setStarting(false)} />}
    </section>
  );
}
