import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Store } from "../api/types";
import { fakeApi, json, makeStore } from "../test/fakeApi";
import { renderApp } from "../test/renderApp";

function storeApi(initial: Store) {
  let store = initial;
  const api = fakeApi()
    .on("GET /stores/:id", () => json(200, store))
    .on("GET /stores/:id/events", () => json(200, { items: [], next_after: null }))
    .on("PATCH /stores/:id", async (request) => {
      const change = (await request.json()) as { plan?: string; version?: string; pinned?: boolean };
      if (change.plan === "small" && store.plan === "medium") {
        return json(409, {
          error: "storage_refused",
          detail: "plan 'small' would shrink database volume 10Gi -> 2Gi; volumes only grow",
        });
      }
      if (change.pinned !== undefined) {
        store = { ...store, pinned: change.pinned };
        return json(200, store);
      }
      store = {
        ...store,
        status: "Upgrading",
        status_reason: "upgrade requested",
        upgrade: { plan: change.plan ?? store.plan, version: change.version ?? store.version },
      };
      return json(202, store);
    });
  return api;
}

describe("changing a store's plan or version", () => {
  it("shows plan and versions, and upgrades after confirmation", async () => {
    const api = storeApi(makeStore({ store_name: "shop" }));
    const { user } = renderApp(api, "/stores/id-shop");

    const facts = await screen.findByText("Plan");
    expect(facts.nextElementSibling).toHaveTextContent("small");
    expect(screen.getByText(/WordPress 7\.1\.2, WooCommerce 11\.2\.0, chart 0\.1\.0/)).toBeInTheDocument();

    await user.click(await screen.findByRole("button", { name: "Change plan or version…" }));
    const dialog = screen.getByRole("dialog", { name: "Change store shop?" });
    const upgrade = within(dialog).getByRole("button", { name: "Upgrade shop" });
    expect(upgrade).toBeDisabled();
    await user.selectOptions(within(dialog).getByLabelText("Version"), "2026.12");
    expect(dialog).toHaveTextContent("version 2026.11 → 2026.12");
    // Nothing is sent before the confirmation.
    expect(api.requestsTo("PATCH /stores/id-shop")).toHaveLength(0);
    await user.click(upgrade);

    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    const [sent] = api.requestsTo("PATCH /stores/id-shop");
    expect(await sent?.json()).toEqual({ version: "2026.12" });
    const callout = await screen.findByRole("status");
    expect(callout).toHaveTextContent("Upgrading.");
    expect(screen.getAllByText("Upgrading")[0]).toHaveTextContent("↻Upgrading");
  });

  it("shows the platform's refusal and changes nothing", async () => {
    const api = storeApi(makeStore({ store_name: "big", plan: "medium" }));
    const { user } = renderApp(api, "/stores/id-big");
    await user.click(await screen.findByRole("button", { name: "Change plan or version…" }));
    const dialog = screen.getByRole("dialog");
    await user.selectOptions(within(dialog).getByLabelText("Plan"), "small");
    await user.click(within(dialog).getByRole("button", { name: "Upgrade big" }));
    expect(await within(dialog).findByText(/volumes only grow/)).toBeInTheDocument();
    expect(screen.getByRole("dialog")).toBeInTheDocument();
  });

  it("pins a store so rollouts skip it", async () => {
    const { user } = renderApp(storeApi(makeStore({ store_name: "pinme" })), "/stores/id-pinme");
    await user.click(await screen.findByRole("button", { name: "Pin (skip rollouts)" }));
    expect(await screen.findByRole("button", { name: "Unpin" })).toBeInTheDocument();
    expect(screen.getByText(/pinned: skipped by rollouts/)).toBeInTheDocument();
  });

  it("offers no change while the store is not Ready", async () => {
    renderApp(storeApi(makeStore({ store_name: "busy", status: "Provisioning", urls: null })), "/stores/id-busy");
    await screen.findByRole("heading", { name: /busy/ });
    expect(screen.queryByRole("button", { name: "Change plan or version…" })).not.toBeInTheDocument();
  });
});
