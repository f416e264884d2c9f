// A stand-in for the orchestrator's HTTP API inside unit tests: the real client and query code
// run against it, only fetch is replaced.
import type { PlatformInfo, Store, StoreEvent } from "../api/types";

type Respond = (request: Request, params: Record<string, string>) => Response | Promise<Response>;

interface Route {
  method: string;
  pattern: RegExp;
  names: string[];
  respond: Respond;
}

export interface FakeApi {
  fetch: (request: Request) => Promise<Response>;
  /** Add or replace the answer for "METHOD /path/:param"; later routes win. */
  on: (route: string, respond: Respond) => FakeApi;
  /** Every request made so far, in order. */
  requests: Request[];
  /** Requests to one "METHOD /path" (exact path, no query). */
  requestsTo: (route: string) => Request[];
}

export function fakeApi(): FakeApi {
  const routes: Route[] = [];
  const requests: Request[] = [];
  const api: FakeApi = {
    requests,
    on(route, respond) {
      const [method = "GET", path = "/"] = route.split(" ");
      const names: string[] = [];
      const pattern = new RegExp(
        "^" + path.replace(/:([a-z_]+)/g, (_, name: string) => (names.push(name), "([^/]+)")) + "$",
      );
      routes.unshift({ method, pattern, names, respond });
      return api;
    },
    async fetch(request) {
      requests.push(request.clone());
      const url = new URL(request.url);
      for (const route of routes) {
        const match = route.method === request.method ? route.pattern.exec(url.pathname) : null;
        if (match) {
          const params = Object.fromEntries(route.names.map((name, i) => [name, decodeURIComponent(match[i + 1] ?? "")]));
          return route.respond(request, params);
        }
      }
      return json(404, { error: "not_found", detail: `no fake route for ${request.method} ${url.pathname}` });
    },
    requestsTo(route) {
      const [method, path] = route.split(" ");
      return requests.filter((request) => request.method === method && new URL(request.url).pathname === path);
    },
  };
  return api
    .on("GET /config", () => json(200, PLATFORM_INFO))
    .on("GET /whoami", () => json(200, { name: "anonymous", scope: "admin" }))
    // Every store page reads its workloads; an empty namespace unless a test says otherwise.
    .on("GET /stores/:id/workloads", () => json(200, { pods: [], warnings: [] }));
}

export const PLATFORM_INFO: PlatformInfo = {
  base_domain: "shop.test",
  environments: ["local", "prod"],
  store_name_max_length: 54,
  auth_required: false,
  provisioning_steps: [
    { step: "namespace", description: "creating namespace" },
    { step: "secrets", description: "creating credentials" },
    { step: "release", description: "installing the helm release" },
    { step: "readiness", description: "waiting for the store to become ready" },
  ],
  admin_user: "admin",
  admin_secret: { name: "store-admin-credentials", user_key: "admin-user", password_key: "admin-password" },
};

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

export function page(items: Store[], total = items.length, limit = 20, offset = 0): Response {
  return json(200, { items, total, limit, offset });
}

const MINUTE = 60_000;

export function makeStore(overrides: Partial<Store> = {}): Store {
  const name = overrides.store_name ?? "demo";
  const created = new Date(Date.now() - 5 * MINUTE).toISOString();
  return {
    id: `id-${name}`,
    store_name: name,
    namespace: `${name}-1a2b3c4d`,
    domain: `${name}.shop.test`,
    environment: "local",
    status: "Ready",
    status_reason: null,
    urls: { storefront: `http://${name}.shop.test/`, admin: `http://${name}.shop.test/wp-admin/` },
    created_at: created,
    updated_at: created,
    ...overrides,
  };
}

export function makeEvent(overrides: Partial<StoreEvent> = {}): StoreEvent {
  return {
    id: 1,
    created_at: new Date().toISOString(),
    step: "request",
    outcome: "accepted",
    message: "store requested",
    ...overrides,
  };
}
