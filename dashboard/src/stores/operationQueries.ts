// Server state of day-2 operations: suspend, resume, repair (reconcile), and the diagnostics a
// store's page shows (workloads with warnings, a container's log).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { LogQuery, Store } from "../api/types";
import { usePlatform } from "../app/platform";
import { remember, storeKeys } from "./queries";

export type StoreOperation = "suspend" | "resume" | "repair" | "recreate-empty";

export function useStoreOperation() {
  const { api } = usePlatform();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ storeId, operation }: { storeId: string; operation: StoreOperation }): Promise<Store> => {
      switch (operation) {
        case "suspend":
          return api.suspendStore(storeId);
        case "resume":
          return api.resumeStore(storeId);
        case "repair":
          return api.reconcileStore(storeId);
        case "recreate-empty":
          return api.reconcileStore(storeId, true);
      }
    },
    onSuccess: (store) => remember(queryClient, store),
  });
}

/** Pods and recent warnings, read from the cluster when asked (and refreshed on request). */
export function useStoreWorkloads(storeId: string, enabled: boolean) {
  const { api } = usePlatform();
  return useQuery({
    queryKey: [...storeKeys.detail(storeId), "workloads"],
    queryFn: () => api.getStoreWorkloads(storeId),
    enabled,
  });
}

export function useStoreLog(storeId: string, query: LogQuery | null) {
  const { api } = usePlatform();
  return useQuery({
    queryKey: [...storeKeys.detail(storeId), "log", query],
    queryFn: () => api.getStoreLogs(storeId, query as LogQuery),
    enabled: query !== null,
  });
}
