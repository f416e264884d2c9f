import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Store } from "../api/types";
import { fakeApi, json, makeEvent, makeStore } from "../test/fakeApi";
import { renderApp } from "../test/renderApp";

function storeApi(store: Store) {
  return fakeApi()
    .on("GET /stores/:id", () => json(200, store))
    .on("GET /stores/:id/events", () => json(200, { items: [makeEvent()] }))
    .on("GET /stores/:id/workloads", () => json(200, { pods: [], warnings: [] }));
}

// The first look at a page renders the whole console; on a busy machine that takes a while.
const SLOW = { timeout: 5000 };

async function bodyOf(request: Request | undefined): Promise<unknown> {
  return request ? JSON.parse(await request.text()) : undefined;
}

describe("store operations", () => {
  it("suspends only after a confirmation that says shoppers get a maintenance page", async () => {
    const store = makeStore({ store_name: "shop" });
    const suspending = { ...store, status: "Suspended" as const, status_reason: "suspending: scaling WordPress and MariaDB to zero" };
    let suspended = false;
    const api = storeApi(store)
      .on("GET /stores/:id", () => json(200, suspended ? suspending : store))
      .on("POST /stores/:id/suspend", () => {
        suspended = true;
        return json(202, suspending);
      });
    const { user } = renderApp(api, "/stores/id-shop");

    await user.click(await screen.findByRole("button", { name: "Suspend…" }, SLOW));
    const dialog = screen.getByRole("dialog", { name: "Suspend store shop?" });
    expect(dialog).toHaveTextContent("maintenance page");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(api.requestsTo("POST /stores/id-shop/suspend")).toHaveLength(0);

    await user.click(screen.getByRole("button", { name: "Suspend…" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Suspend shop" }));
    await waitFor(() => expect(api.requestsTo("POST /stores/id-shop/suspend")).toHaveLength(1));
    expect(await screen.findByText(/suspending: scaling WordPress and MariaDB to zero/, {}, SLOW)).toBeInTheDocument();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    // A suspended store is resumed, not suspended again.
    expect(screen.getByRole("button", { name: "Resume" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Suspend…" })).not.toBeInTheDocument();
  });

  it("resumes a suspended store at once", async () => {
    const store = makeStore({ status: "Suspended", status_reason: "suspended: WordPress and MariaDB at zero" });
    const api = storeApi(store).on("POST /stores/:id/resume", () =>
      json(202, { ...store, status_reason: "resuming: starting MariaDB and WordPress again" }),
    );
    const { user } = renderApp(api, "/stores/id-demo");
    await user.click(await screen.findByRole("button", { name: "Resume" }, SLOW));
    await waitFor(() => expect(api.requestsTo("POST /stores/id-demo/resume")).toHaveLength(1));
    expect(await screen.findByText(/resuming: starting MariaDB/, {}, SLOW)).toBeInTheDocument();
  });

  it("repairs a degraded store by applying its release again", async () => {
    const store = makeStore({ status: "Degraded", status_reason: "missing from the cluster: WordPress Deployment" });
    const api = storeApi(store).on("POST /stores/:id/reconcile", () =>
      json(202, { ...store, status_reason: "repairing: applying the release again with the same values" }),
    );
    const { user } = renderApp(api, "/stores/id-demo");
    await user.click(await screen.findByRole("button", { name: "Repair" }, SLOW));
    await waitFor(() => expect(api.requestsTo("POST /stores/id-demo/reconcile")).toHaveLength(1));
    expect(await bodyOf(api.requestsTo("POST /stores/id-demo/reconcile")[0])).toEqual({ recreate_empty: false });
    expect(await screen.findByText(/repairing: applying the release again/, {}, SLOW)).toBeInTheDocument();
  });

  it("offers only recreate-empty for lost data, and asks for the store's name first", async () => {
    const store = makeStore({
      store_name: "shop",
      status: "Degraded",
      status_reason: "data lost: namespace shop-1a2b3c4d is gone; nothing was recreated",
      data_lost_at: new Date().toISOString(),
    });
    const api = storeApi(store).on("POST /stores/:id/reconcile", () =>
      json(202, { ...store, status: "Provisioning", status_reason: "recreating the store empty", data_lost_at: null, urls: null }),
    );
    const { user } = renderApp(api, "/stores/id-shop");

    const callout = await screen.findByText(/Data lost\./, {}, SLOW);
    expect(callout.closest("[role=status]")).toHaveTextContent("Nothing is recreated until you choose");
    expect(screen.queryByRole("button", { name: "Repair" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Suspend…" })).not.toBeInTheDocument();

    await user.click(screen.getByRole("button", { name: "Recreate empty…" }));
    const dialog = screen.getByRole("dialog", { name: "Recreate store shop empty?" });
    const confirm = within(dialog).getByRole("button", { name: "Recreate empty" });
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByLabelText("Type shop to confirm"), "sho");
    expect(confirm).toBeDisabled();
    await user.type(within(dialog).getByLabelText("Type shop to confirm"), "p");
    await user.click(confirm);

    await waitFor(() => expect(api.requestsTo("POST /stores/id-shop/reconcile")).toHaveLength(1));
    expect(await bodyOf(api.requestsTo("POST /stores/id-shop/reconcile")[0])).toEqual({ recreate_empty: true });
    expect(await screen.findByText(/Waiting on: recreating the store empty/, {}, SLOW)).toBeInTheDocument();
  });

  it("shows a refused operation in words", async () => {
    const api = storeApi(makeStore({ status: "Degraded", status_reason: "x" })).on("POST /stores/:id/reconcile", () =>
      json(409, { error: "invalid_state", detail: "only a Ready, Degraded or Suspended store can be reconciled" }),
    );
    const { user } = renderApp(api, "/stores/id-demo");
    await user.click(await screen.findByRole("button", { name: "Repair" }, SLOW));
    expect(await screen.findByRole("alert", {}, SLOW)).toHaveTextContent(
      "Could not repair the store. only a Ready, Degraded or Suspended store can be reconciled",
    );
  });

  it("offers nothing to a read-only token", async () => {
    const api = storeApi(makeStore()).on("GET /whoami", () => json(200, { name: "viewer", scope: "read" }));
    renderApp(api, "/stores/id-demo");
    expect(await screen.findByRole("heading", { name: /demo/ }, SLOW)).toBeInTheDocument();
    await waitFor(() => expect(api.requestsTo("GET /whoami")).not.toHaveLength(0));
    expect(screen.queryByRole("button", { name: "Suspend…" })).not.toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Repair" })).not.toBeInTheDocument();
  });
});
