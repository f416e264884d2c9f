// Server state for a store's backups, restores and clones, through TanStack Query.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { Backup, Environment, Store } from "../api/types";
import { usePlatform } from "../app/platform";
import { storeKeys } from "../stores/queries";

export const backupKeys = {
  list: (storeId: string) => [...storeKeys.all, "backups", storeId] as const,
};

/** The list refreshes while a backup runs or the store is being restored. */
export function useStoreBackups(store: Store) {
  const { api, pollIntervalMs } = usePlatform();
  return useQuery({
    queryKey: [...backupKeys.list(store.id), store.status],
    placeholderData: (previous) => previous,
    queryFn: () => api.listStoreBackups(store.id),
    refetchInterval: (current) =>
      store.status === "Restoring" || current.state.data?.some((backup) => backup.status === "Running")
        ? pollIntervalMs
        : false,
  });
}

export function useCreateBackup(storeId: string) {
  const { api } = usePlatform();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: () => api.createBackup(storeId),
    onSuccess: (backup: Backup) => {
      for (const [key, list] of queries.getQueriesData<Backup[]>({ queryKey: backupKeys.list(storeId) })) {
        queries.setQueryData(key, [backup, ...(list ?? [])]);
      }
      void queries.invalidateQueries({ queryKey: backupKeys.list(storeId) });
      void queries.invalidateQueries({ queryKey: storeKeys.events(storeId) });
    },
  });
}

export function useRestoreStore(storeId: string) {
  const { api } = usePlatform();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: ({ backupId, safetyBackup }: { backupId: string; safetyBackup: boolean }) =>
      api.restoreStore(storeId, { backup_id: backupId, safety_backup: safetyBackup }),
    onSuccess: (store: Store) => {
      queries.setQueryData(storeKeys.detail(store.id), store);
      void queries.invalidateQueries({ queryKey: storeKeys.lists() });
    },
  });
}

/** A new store seeded from a backup (of a live or a deleted store). */
export function useCloneStore() {
  const { api } = usePlatform();
  const queries = useQueryClient();
  return useMutation({
    mutationFn: (clone: { storeName: string; environment: Environment; backup: Backup; key: string }) =>
      api.createStore(
        {
          store_name: clone.storeName,
          environment: clone.environment,
          clone_from: { store_id: clone.backup.store_id, backup_id: clone.backup.id },
        },
        clone.key,
      ),
    onSuccess: (store: Store) => {
      queries.setQueryData(storeKeys.detail(store.id), store);
      void queries.invalidateQueries({ queryKey: storeKeys.lists() });
    },
  });
}
