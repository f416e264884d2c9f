import { describe, expect, it } from "vitest";
import { fakeApi, json, makeStore, page } from "../test/fakeApi";
import { createPlatform } from "./platform";

// The retry policy as the console runs it (retries on), through the real client and query cache.
function platformWith(api: ReturnType<typeof fakeApi>) {
  return createPlatform({ baseUrl: "http://platform.test", fetch: api.fetch, storage: null });
}

function listStores(platform: ReturnType<typeof createPlatform>) {
  return platform.queryClient.fetchQuery({
    queryKey: ["stores"],
    queryFn: () => platform.api.listStores({ limit: 20, offset: 0 }),
  });
}

describe("retries", () => {
  it("repeats a request the server could not answer, as soon as Retry-After allows", async () => {
    let calls = 0;
    const api = fakeApi().on("GET /stores", () => {
      calls += 1;
      return calls === 1
        ? json(503, { error: "unavailable", detail: "database is not answering" }, { "Retry-After": "0" })
        : page([makeStore()]);
    });
    const stores = await listStores(platformWith(api));
    expect(stores.items).toHaveLength(1);
    expect(api.requestsTo("GET /stores")).toHaveLength(2);
  });

  it("gives up after three attempts", async () => {
    const api = fakeApi().on("GET /stores", () =>
      json(429, { error: "rate_limited", detail: "slow down" }, { "Retry-After": "0" }),
    );
    await expect(listStores(platformWith(api))).rejects.toMatchObject({ status: 429 });
    expect(api.requestsTo("GET /stores")).toHaveLength(3);
  });

  it.each([401, 403, 404, 422])("never repeats a %i, and a 401 asks for a token", async (status) => {
    const api = fakeApi().on("GET /stores", () => json(status, { error: "refused", detail: "no" }));
    const platform = platformWith(api);
    await expect(listStores(platform)).rejects.toMatchObject({ status });
    expect(api.requestsTo("GET /stores")).toHaveLength(1);
    expect(platform.auth.snapshot().prompt).toEqual(
      status === 401 ? { open: true, reason: "required" } : { open: false },
    );
  });

  it("never repeats a store creation on its own", async () => {
    const api = fakeApi().on("POST /stores", () => json(503, { error: "unavailable", detail: "try later" }));
    const platform = platformWith(api);
    const create = platform.queryClient.getMutationCache().build(platform.queryClient, {
      mutationFn: () => platform.api.createStore({ store_name: "demo", environment: "local" }, "key-1"),
    });
    await expect(create.execute(undefined)).rejects.toMatchObject({ status: 503 });
    expect(api.requestsTo("POST /stores")).toHaveLength(1);
  });
});
