import { useState } from "react";
import { Link, useParams } from "react-router";
import type { RolloutAction } from "../api/client";
import { ApiError } from "../api/errors";
import type { Rollout, RolloutStore } from "../api/types";
import { useAllows } from "../auth/access";
import { Dialog } from "../components/Dialog";
import { ErrorNotice } from "../components/ErrorNotice";
import { formatTimestamp } from "../stores/time";
import { routes } from "../urls";
import { Badge } from "./Badge";
import { ROLLOUT_LOOK, STATE_LOOK } from "./look";
import { useRollout, useRolloutAction } from "./queries";

const ACTIONS: Record<RolloutAction, { label: string; allowed: Rollout["status"][]; explain: string }> = {
  pause: {
    label: "Pause",
    allowed: ["Running"],
    explain: "No new upgrades start; those under way finish. Resume goes on where it stopped.",
  },
  resume: {
    label: "Resume",
    allowed: ["Paused", "Halted"],
    explain:
      "A paused rollout goes on where it stopped. A halted one accepts the failed wave and goes on with the next wave.",
  },
  abort: {
    label: "Abort",
    allowed: ["Running", "Paused", "Halted"],
    explain: "Stops for good: stores not upgraded yet keep their version. Upgrades under way finish.",
  },
};

export function RolloutDetailPage() {
  const { rolloutId = "" } = useParams();
  const rollout = useRollout(rolloutId);
  return (
    <section aria-labelledby="rollout-heading">
      <p>
        <Link to={routes.rolloutList()}>← All rollouts</Link>
      </p>
      {rollout.isPending && <p className="muted">Loading the rollout…</p>}
      {rollout.isError && !rollout.data && (
        <>
          <h1 id="rollout-heading">Rollout</h1>
          {rollout.error instanceof ApiError && rollout.error.status === 404 ? (
            <div className="notice notice-error" role="alert">
              <p>
                <strong>No such rollout.</strong>
              </p>
            </div>
          ) : (
            <ErrorNotice title="Could not load the rollout" error={rollout.error} onRetry={() => void rollout.refetch()} />
          )}
        </>
      )}
      {rollout.data && <RolloutView rollout={rollout.data} />}
    </section>
  );
}

function RolloutView({ rollout }: { rollout: Rollout }) {
  const canWrite = useAllows("write");
  const [confirming, setConfirming] = useState<RolloutAction | null>(null);
  const available = (Object.keys(ACTIONS) as RolloutAction[]).filter((action) =>
    ACTIONS[action].allowed.includes(rollout.status),
  );
  const waves = groupByWave(rollout.stores ?? []);
  return (
    <>
      <div className="page-header">
        <h1 id="rollout-heading">
          Rollout to {rollout.target_version} <Badge look={ROLLOUT_LOOK[rollout.status]} label={rollout.status} />
        </h1>
        {canWrite && (
          <div className="actions">
            {available.map((action) => (
              <button
                key={action}
                type="button"
                className={action === "abort" ? "button button-danger" : "button"}
                onClick={() => setConfirming(action)}
              >
                {ACTIONS[action].label}…
              </button>
            ))}
          </div>
        )}
      </div>
      {rollout.status_reason && (
        <div
          className={`notice status-callout ${rollout.status === "Halted" ? "notice-error" : "notice-progress"}`}
          role="status"
        >
          <p>
            <strong>{rollout.status}.</strong> {rollout.status_reason}
          </p>
        </div>
      )}
      <dl className="facts">
        <dt>Waves</dt>
        <dd>
          {Math.min(rollout.current_wave, rollout.wave_count)} of {rollout.wave_count} (sizes{" "}
          {rollout.waves.join(", ")}; a wave halts the rollout above{" "}
          {Math.round(rollout.max_failure_ratio * 100)}% failed)
        </dd>
        <dt>Stores</dt>
        <dd>
          {rollout.counts.succeeded} upgraded, {rollout.counts.failed} failed, {rollout.counts.upgrading} upgrading,{" "}
          {rollout.counts.pending} pending, {rollout.counts.skipped_pinned} pinned
        </dd>
        <dt>Started</dt>
        <dd>
          {formatTimestamp(rollout.created_at)}
          {rollout.created_by && ` by ${rollout.created_by}`}
        </dd>
      </dl>
      {waves.map(([wave, stores]) => (
        <WaveTable key={wave} wave={wave} current={rollout.current_wave} stores={stores} />
      ))}
      {confirming && (
        <ActionDialog rollout={rollout} action={confirming} onClose={() => setConfirming(null)} />
      )}
    </>
  );
}

function WaveTable({ wave, current, stores }: { wave: number; current: number; stores: RolloutStore[] }) {
  const title = wave === 0 ? "Pinned (skipped)" : wave === 1 ? "Wave 1 (canary)" : `Wave ${wave}`;
  const headingId = `wave-${wave}`;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>
        {title}
        {wave === current && <span className="muted"> · current</span>}
      </h2>
      <table className="stores">
        <thead>
          <tr>
            <th scope="col">Store</th>
            <th scope="col">State</th>
            <th scope="col">Version</th>
            <th scope="col">What happened</th>
          </tr>
        </thead>
        <tbody>
          {stores.map((store) => (
            <tr key={store.store_id}>
              <th scope="row">
                <Link to={routes.storeDetail(store.store_id)}>{store.store_name}</Link>
              </th>
              <td className="status-cell" data-label="State">
                <Badge look={STATE_LOOK[store.state]} label={store.state} />
              </td>
              <td data-label="Version">{store.version ?? "unversioned"}</td>
              <td className="reason" data-label="What happened">
                {store.message}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function ActionDialog({ rollout, action, onClose }: { rollout: Rollout; action: RolloutAction; onClose: () => void }) {
  const change = useRolloutAction();
  const { label, explain } = ACTIONS[action];
  return (
    <Dialog title={`${label} the rollout to ${rollout.target_version}?`} onClose={onClose}>
      <p>{explain}</p>
      {change.isError && <ErrorNotice title={`The rollout was not changed`} error={change.error} />}
      <div className="form-actions">
        <button
          type="button"
          className={action === "abort" ? "button button-danger" : "button button-primary"}
          disabled={change.isPending}
          onClick={() => change.mutate({ rolloutId: rollout.id, action }, { onSuccess: onClose })}
        >
          {`${label} rollout`}
        </button>
        <button type="button" className="button" data-autofocus onClick={onClose}>
          Cancel
        </button>
      </div>
    </Dialog>
  );
}

function groupByWave(stores: RolloutStore[]): [number, RolloutStore[]][] {
  const waves = new Map<number, RolloutStore[]>();
  for (const store of stores) waves.set(store.wave, [...(waves.get(store.wave) ?? []), store]);
  // Waves in order, the pinned stores (wave 0) last.
  return [...waves.entries()].sort(([a], [b]) => (a === 0 ? 1 : b === 0 ? -1 : a - b));
}
