// Server state for rollouts. A rollout that is moving is polled; actions write their answer
// into the cache at once.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import type { RolloutAction } from "../api/client";
import type { RolloutCreate } from "../api/types";
import { usePlatform } from "../app/platform";
import { isMoving } from "./look";

export const rolloutKeys = {
  all: ["rollouts"] as const,
  list: () => [...rolloutKeys.all, "list"] as const,
  detail: (rolloutId: string) => [...rolloutKeys.all, "detail", rolloutId] as const,
};

export function useRollouts() {
  const { api, pollIntervalMs } = usePlatform();
  return useQuery({
    queryKey: rolloutKeys.list(),
    queryFn: api.listRollouts,
    refetchInterval: (current) =>
      current.state.data?.items.some((r) => isMoving(r.status, r.counts.upgrading))
        ? pollIntervalMs
        : false,
  });
}

export function useRollout(rolloutId: string) {
  const { api, pollIntervalMs } = usePlatform();
  return useQuery({
    queryKey: rolloutKeys.detail(rolloutId),
    queryFn: () => api.getRollout(rolloutId),
    refetchInterval: (current) => {
      const rollout = current.state.data;
      return rollout && isMoving(rollout.status, rollout.counts.upgrading) ? pollIntervalMs : false;
    },
  });
}

export function useRolloutAction() {
  const { api } = usePlatform();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ rolloutId, action }: { rolloutId: string; action: RolloutAction }) =>
      api.changeRollout(rolloutId, action),
    onSuccess: async (rollout) => {
      queryClient.setQueryData(rolloutKeys.detail(rollout.id), rollout);
      await queryClient.invalidateQueries({ queryKey: rolloutKeys.list() });
    },
  });
}

export function useCreateRollout() {
  const { api } = usePlatform();
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: RolloutCreate) => api.createRollout(body),
    onSuccess: async (rollout) => {
      queryClient.setQueryData(rolloutKeys.detail(rollout.id), rollout);
      await queryClient.invalidateQueries({ queryKey: rolloutKeys.list() });
    },
  });
}
