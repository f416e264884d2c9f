// Who is signed in and what their token's scope allows, so the console offers only the actions
// the platform would accept (it checks again and has the last word).
import { useQuery } from "@tanstack/react-query";
import { useSyncExternalStore } from "react";
import type { Scope } from "../api/types";
import { usePlatform } from "../app/platform";
import { usePlatformInfo } from "../stores/queries";

const ORDER: readonly Scope[] = ["read", "write", "admin"];

export function allows(scope: Scope | undefined, required: Scope): boolean {
  return scope !== undefined && ORDER.indexOf(scope) >= ORDER.indexOf(required);
}

/** The signed-in principal: asked of the platform whenever the token changes. */
export function usePrincipal() {
  const { api, auth } = usePlatform();
  const { token } = useSyncExternalStore(auth.subscribe, auth.snapshot);
  const info = usePlatformInfo();
  const open = info.data?.auth_required === false;
  return useQuery({
    queryKey: ["whoami", token],
    queryFn: api.whoami,
    // Without a token there is nobody to ask about (unless the platform runs open).
    enabled: info.data !== undefined && (open || token !== null),
    staleTime: Infinity,
  });
}

/** Whether the signed-in token may do what needs `required`. */
export function useAllows(required: Scope): boolean {
  return allows(usePrincipal().data?.scope, required);
}
