import type { Store } from "../api/types";
import type { StoreOperation } from "./operationQueries";

const INSTALLED = ["Ready", "Degraded", "Suspended"];

/** Which day-2 operations make sense for the store now (the API refuses the others too). */
export function operationsFor(store: Store): StoreOperation[] {
  if (store.data_lost_at) return ["recreate-empty"];
  const offered: StoreOperation[] = [];
  if (store.status === "Ready" || store.status === "Degraded") offered.push("suspend");
  if (store.status === "Suspended") offered.push("resume");
  if (INSTALLED.includes(store.status)) offered.push("repair");
  return offered;
}
