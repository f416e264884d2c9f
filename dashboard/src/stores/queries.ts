// Server state for stores, through TanStack Query. Views that show a changing store keep
// polling until it settles; mutations write their answer into the cache at once.
import { useMutation, useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import type { Store, StoreCreate, StoreQuery } from "../api/types";
import { usePlatform } from "../app/platform";
import { isChanging, refreshInterval } from "./status";

export const storeKeys = {
  all: ["stores"] as const,
  lists: () => [...storeKeys.all, "list"] as const,
  list: (query: StoreQuery) => [...storeKeys.lists(), query] as const,
  detail: (storeId: string) => [...storeKeys.all, "detail", storeId] as const,
  events: (storeId: string) => [...storeKeys.all, "events", storeId] as const,
};

export function usePlatformInfo() {
  const { api } = usePlatform();
  return useQuery({
    queryKey: ["platform-info"],
    queryFn: api.getPlatformInfo,
    staleTime: Infinity,
  });
}

export function useStorePage(query: StoreQuery) {
  const { api, pollIntervalMs } = usePlatform();
  return useQuery({
    queryKey: storeKeys.list(query),
    queryFn: () => api.listStores(query),
    placeholderData: (previous) => previous,
    refetchInterval: (current) =>
      refreshInterval(current.state.data?.items.map((store) => store.status) ?? [], pollIntervalMs),
  });
}

export function useStore(storeId: string) {
  const { api, pollIntervalMs } = usePlatform();
  return useQuery({
    queryKey: storeKeys.detail(storeId),
    queryFn: () => api.getStore(storeId),
    refetchInterval: (current) => {
      const status = current.state.data?.status;
      return status ? refreshInterval([status], pollIntervalMs) : false;
    },
  });
}

/**
 * The timeline grows while the store changes, so it refreshes on the same beat as the store; and
 * it is read again when the status changes, so the event that settled the store (ready, failed)
 * is shown even though polling stops with it.
 */
export function useStoreEvents(storeId: string, store: Store | undefined) {
  const { api, pollIntervalMs } = usePlatform();
  return useQuery({
    queryKey: [...storeKeys.events(storeId), store?.status],
    placeholderData: (previous) => previous,
    queryFn: () => api.listStoreEvents(storeId),
    refetchInterval: store && isChanging(store.status) ? pollIntervalMs : false,
  });
}

/**
 * The live store that holds a name or domain a create was refused for (409), found the way
 * people would look for it: searching the list for the name, and for the domain if one was typed.
 */
export function useStoreHolding(storeName: string, domain: string) {
  const { api } = usePlatform();
  return useQuery({
    queryKey: [...storeKeys.lists(), "holding", storeName, domain],
    queryFn: async (): Promise<Store | null> => {
      const searches = domain ? [storeName, domain] : [storeName];
      const pages = await Promise.all(searches.map((search) => api.listStores({ search, limit: 50 })));
      const live = pages.flatMap((page) => page.items);
      return (
        live.find((store) => store.store_name === storeName) ??
        live.find((store) => domain !== "" && store.domain === domain) ??
        null
      );
    },
  });
}

export function useCreateStore() {
  const { api } = usePlatform();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ store, idempotencyKey }: { store: StoreCreate; idempotencyKey: string }) =>
      api.createStore(store, idempotencyKey),
    onSuccess: (store) => remember(queryClient, store),
  });
}

export function useDeleteStore() {
  const { api } = usePlatform();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (storeId: string) => api.deleteStore(storeId),
    onSuccess: (store) => remember(queryClient, store),
  });
}

export function useRetryStore() {
  const { api } = usePlatform();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (storeId: string) => api.retryStore(storeId),
    onSuccess: (store) => remember(queryClient, store),
  });
}

/** A mutation answered with the store's new state: show it now, then refresh what it touches. */
export function remember(queryClient: QueryClient, store: Store): Promise<void> {
  queryClient.setQueryData(storeKeys.detail(store.id), store);
  return Promise.all([
    queryClient.invalidateQueries({ queryKey: storeKeys.lists() }),
    queryClient.invalidateQueries({ queryKey: storeKeys.events(store.id) }),
  ]).then(() => undefined);
}
