// Names the dashboard uses for the API's shapes and enums; all of them come from the generated
// schema, so a change in the API (a new status, a new environment) reaches every view through it.
import {
  storeCreateEnvironmentValues,
  storeOrderValues,
  storeStatusValues,
  type components,
  type operations,
} from "./schema.gen";

type Schemas = components["schemas"];

export type Store = Schemas["StoreOut"];
export type StoreStatus = Schemas["StoreStatus"];
export type StoreOrder = Schemas["StoreOrder"];
export type StorePage = Schemas["StorePage"];
export type StoreEvent = Schemas["StoreEventOut"];
export type StoreCreate = Schemas["StoreCreate"];
export type StoreQuery = NonNullable<operations["listStores"]["parameters"]["query"]>;
export type Environment = StoreCreate["environment"];
export type PlatformInfo = Schemas["PlatformInfo"];
export type FieldError = Schemas["FieldErrorOut"];
export type ErrorBody = Schemas["ErrorOut"];
export type Principal = Schemas["PrincipalOut"];
export type Scope = Principal["scope"];
export type StoreCredentials = Schemas["StoreCredentials"];
export type StoreWorkloads = Schemas["WorkloadsOut"];
export type Pod = Schemas["PodOut"];
export type WarningEvent = Schemas["WarningOut"];
export type StoreLog = Schemas["LogOut"];
export type LogQuery = operations["getStoreLogs"]["parameters"]["query"];

/** Every store status, in the API's order. */
export const STORE_STATUSES: readonly StoreStatus[] = storeStatusValues;
/** Every order the store list can be sorted in. */
export const STORE_ORDERS: readonly StoreOrder[] = storeOrderValues;
/** Every environment the API accepts for a new store. */
export const ENVIRONMENTS: readonly Environment[] = storeCreateEnvironmentValues;
