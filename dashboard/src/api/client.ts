// The platform API as typed functions. This is the only module that names API paths; the paths
// and shapes are checked against the generated schema, so an API change breaks the build here.
import createClient from "openapi-fetch";
import { ApiError } from "./errors";
import type { paths } from "./schema.gen";
import type {
  LogQuery,
  PlatformInfo,
  Principal,
  Store,
  StoreCreate,
  StoreCredentials,
  StoreEvent,
  StorePage,
  StoreLog,
  StoreQuery,
  StoreWorkloads,
} from "./types";

export interface PlatformApiOptions {
  baseUrl: string;
  /** The bearer token to send, or null to send none. Read on every request. */
  token: () => string | null;
  /** Called on every 401, so the UI can ask for a (new) token. */
  onUnauthorized?: (error: ApiError) => void;
  fetch?: (request: Request) => Promise<Response>;
}

export type PlatformApi = ReturnType<typeof createPlatformApi>;

export function createPlatformApi(options: PlatformApiOptions) {
  const client = createClient<paths>({
    baseUrl: options.baseUrl,
    fetch: options.fetch ?? ((request) => globalThis.fetch(request)),
  });
  client.use({
    onRequest({ request }) {
      const token = options.token();
      if (token) request.headers.set("Authorization", `Bearer ${token}`);
      return request;
    },
  });

  async function call<T>(
    send: () => Promise<{ data?: T; error?: unknown; response: Response }>,
  ): Promise<T> {
    let result: { data?: T; error?: unknown; response: Response };
    try {
      result = await send();
    } catch (cause) {
      throw ApiError.network(cause);
    }
    const { data, error, response } = result;
    if (!response.ok || data === undefined) {
      const failure = ApiError.fromResponse(response, error);
      if (failure.status === 401) options.onUnauthorized?.(failure);
      throw failure;
    }
    return data;
  }

  return {
    getPlatformInfo: (): Promise<PlatformInfo> => call(() => client.GET("/config")),

    /** Who the current token belongs to, and its scope. */
    whoami: (): Promise<Principal> => call(() => client.GET("/whoami")),

    listStores: (query: StoreQuery): Promise<StorePage> =>
      call(() =>
        client.GET("/stores", {
          params: { query },
        }),
      ),

    getStore: (storeId: string): Promise<Store> =>
      call(() => client.GET("/stores/{store_id}", { params: { path: { store_id: storeId } } })),

    listStoreEvents: async (storeId: string): Promise<StoreEvent[]> => {
      const list = await call(() =>
        client.GET("/stores/{store_id}/events", { params: { path: { store_id: storeId } } }),
      );
      return list.items;
    },

    /** The same key with the same body returns the first store instead of creating a second. */
    createStore: (body: StoreCreate, idempotencyKey: string): Promise<Store> =>
      call(() =>
        client.POST("/stores", { body, params: { header: { "Idempotency-Key": idempotencyKey } } }),
      ),

    /** The store's WordPress admin login (admin scope; every call is audited). */
    getStoreCredentials: (storeId: string): Promise<StoreCredentials> =>
      call(() =>
        client.GET("/stores/{store_id}/credentials", { params: { path: { store_id: storeId } } }),
      ),

    deleteStore: (storeId: string): Promise<Store> =>
      call(() => client.DELETE("/stores/{store_id}", { params: { path: { store_id: storeId } } })),

    retryStore: (storeId: string): Promise<Store> =>
      call(() =>
        client.POST("/stores/{store_id}/retry", { params: { path: { store_id: storeId } } }),
      ),

    /** Scale the store to zero behind a maintenance page; its data is kept. */
    suspendStore: (storeId: string): Promise<Store> =>
      call(() =>
        client.POST("/stores/{store_id}/suspend", { params: { path: { store_id: storeId } } }),
      ),

    resumeStore: (storeId: string): Promise<Store> =>
      call(() =>
        client.POST("/stores/{store_id}/resume", { params: { path: { store_id: storeId } } }),
      ),

    /** Repair: apply the release again. `recreateEmpty` only for a store whose data is lost. */
    reconcileStore: (storeId: string, recreateEmpty = false): Promise<Store> =>
      call(() =>
        client.POST("/stores/{store_id}/reconcile", {
          params: { path: { store_id: storeId } },
          body: { recreate_empty: recreateEmpty },
        }),
      ),

    getStoreWorkloads: (storeId: string): Promise<StoreWorkloads> =>
      call(() =>
        client.GET("/stores/{store_id}/workloads", { params: { path: { store_id: storeId } } }),
      ),

    getStoreLogs: (storeId: string, query: LogQuery): Promise<StoreLog> =>
      call(() =>
        client.GET("/stores/{store_id}/logs", { params: { path: { store_id: storeId }, query } }),
      ),
  };
}
