// Everything the console needs to talk to the platform, built once and handed down by context:
// the typed API, the token session and the query cache. Tests build their own with a fake fetch.
import { QueryClient } from "@tanstack/react-query";
import { createContext, useContext } from "react";
import { createPlatformApi, type PlatformApi } from "../api/client";
import { ApiError, isTransient } from "../api/errors";
import { createAuthSession, type AuthSession } from "../auth/session";
import { apiBaseUrl } from "../urls";

export interface Platform {
  api: PlatformApi;
  auth: AuthSession;
  queryClient: QueryClient;
  /** How often to refresh while a store is changing (provisioning or deleting). */
  pollIntervalMs: number;
}

export interface PlatformOptions {
  baseUrl?: string;
  fetch?: (request: Request) => Promise<Response>;
  storage?: Storage | null;
  /** Retry transient failures (network, 5xx, 429). Off under test so failures show at once. */
  retries?: boolean;
  pollIntervalMs?: number;
}

const MAX_ATTEMPTS = 3;

export function createPlatform(options: PlatformOptions = {}): Platform {
  const auth = createAuthSession(options.storage);
  const api = createPlatformApi({
    baseUrl: options.baseUrl ?? apiBaseUrl(),
    fetch: options.fetch,
    token: auth.token,
    onUnauthorized: () => auth.requestToken(auth.token() ? "refused" : "required"),
  });
  const retries = options.retries ?? true;
  const queryClient = new QueryClient({
    defaultOptions: {
      queries: {
        retry: (failures, error) => retries && isTransient(error) && failures < MAX_ATTEMPTS - 1,
        retryDelay: (failures, error) =>
          error instanceof ApiError && error.retryAfterSeconds !== null
            ? error.retryAfterSeconds * 1000
            : Math.min(1000 * 2 ** failures, 8000),
        staleTime: 1000,
      },
      // A repeated POST could create twice; people retry mutations themselves.
      mutations: { retry: false },
    },
  });
  return { api, auth, queryClient, pollIntervalMs: options.pollIntervalMs ?? 2000 };
}

export const PlatformContext = createContext<Platform | null>(null);

export function usePlatform(): Platform {
  const platform = useContext(PlatformContext);
  if (!platform) throw new Error("usePlatform() needs a <PlatformProvider> above it");
  return platform;
}
