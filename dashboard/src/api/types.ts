// Names the dashboard uses for the API's shapes; all of them come from the generated schema.
import type { components } from "./schema.gen";

type Schemas = components["schemas"];

export type Store = Schemas["StoreOut"];
export type StoreStatus = Schemas["StoreStatus"];
export type StorePage = Schemas["StorePage"];
export type StoreEvent = Schemas["StoreEventOut"];
export type StoreCreate = Schemas["StoreCreate"];
export type Environment = NonNullable<StoreCreate["environment"]>;
export type PlatformInfo = Schemas["PlatformInfo"];
export type FieldError = Schemas["FieldErrorOut"];
export type ErrorBody = Schemas["ErrorOut"];

export const STORE_STATUSES: readonly StoreStatus[] = [
  "Provisioning",
  "Ready",
  "Degraded",
  "Failed",
  "Deleting",
  "Deleted",
];
