import type { StoreStatus } from "../api/types";
import { STATUS_LOOK } from "./status";

export function StatusBadge({ status }: { status: StoreStatus }) {
  const look = STATUS_LOOK[status];
  return (
    <span className={`badge badge-${look.tone}`} title={look.description} data-status={status}>
      <span className="badge-symbol" aria-hidden="true">
        {look.symbol}
      </span>
      {status}
    </span>
  );
}
