// Every dashboard URL is built here. API paths live in api/client.ts, typed by the schema.
import type { StoreOrder, StoreStatus } from "./api/types";

export interface StoreListView {
  status?: StoreStatus;
  page?: number;
  /** Part of a store's name or domain. */
  search?: string;
  sort?: StoreOrder;
}

export const routePatterns = {
  storeList: "/",
  newStore: "/new",
  storeDetail: "/stores/:storeId",
  rolloutList: "/rollouts",
  rolloutDetail: "/rollouts/:rolloutId",
} as const;

export const routes = {
  storeList(view: StoreListView = {}): string {
    const search = new URLSearchParams();
    if (view.status) search.set("status", view.status);
    if (view.search) search.set("q", view.search);
    if (view.sort && view.sort !== "newest") search.set("sort", view.sort);
    if (view.page && view.page > 1) search.set("page", String(view.page));
    const query = search.toString();
    return query ? `/?${query}` : "/";
  },
  newStore: (): string => "/new",
  storeDetail: (storeId: string): string => `/stores/${encodeURIComponent(storeId)}`,
  rolloutList: (): string => "/rollouts",
  rolloutDetail: (rolloutId: string): string => `/rollouts/${encodeURIComponent(rolloutId)}`,
};

/** The API is served by the same orchestrator as the dashboard (or proxied to it by `npm run dev`). */
export function apiBaseUrl(): string {
  return window.location.origin;
}
