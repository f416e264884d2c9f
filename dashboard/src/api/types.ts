// Names the dashboard uses for the API's shapes and enums; all of them come from the generated
// schema, so a change in the API (a new status, a new environment) reaches every view through it.
import {
  rolloutStatusValues,
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
export type Backup = Schemas["BackupOut"];
export type BackupKind = Schemas["BackupKind"];
export type BackupStatus = Schemas["BackupStatus"];
export type StoreBackups = Schemas["StoreBackups"];
export type RestoreRequest = Schemas["RestoreRequest"];
export type StoreUpdate = Schemas["StoreUpdate"];
export type Catalogue = Schemas["CatalogueOut"];
export type Plan = Schemas["PlanOut"];
export type Version = Schemas["VersionOut"];
export type Rollout = Schemas["RolloutOut"];
export type RolloutStatus = Schemas["RolloutStatus"];
export type RolloutPage = Schemas["RolloutPage"];
export type RolloutCreate = Schemas["RolloutCreate"];
export type RolloutStore = Schemas["RolloutStoreOut"];
export type RolloutStoreState = Schemas["RolloutStoreState"];
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
/** Every rollout status, in the API's order. */
export const ROLLOUT_STATUSES: readonly RolloutStatus[] = rolloutStatusValues;
