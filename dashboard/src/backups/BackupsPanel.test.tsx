import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Backup, Store } from "../api/types";
import { PLATFORM_INFO, fakeApi, json, makeBackup, makeEvent, makeStore, page } from "../test/fakeApi";
import { renderApp } from "../test/renderApp";

function storeWithBackups(store: Store, backups: Backup[]) {
  return fakeApi()
    .on("GET /stores/:id", () => json(200, store))
    .on("GET /stores/:id/events", () => json(200, { items: [], next_after: null }))
    .on("GET /stores/:id/backups", () => json(200, { items: backups }));
}

describe("store backups", () => {
  it("lists the store's backups in a tab of its page", async () => {
    const backups = [
      makeBackup({ id: "b2", kind: "manual", status: "Running", snapshot_id: null, size_bytes: null, finished_at: null }),
      makeBackup({ id: "b1", kind: "scheduled", status: "Succeeded", size_bytes: 5_242_880 }),
      makeBackup({ id: "b0", kind: "scheduled", status: "Failed", snapshot_id: null, reason: "exit 1: target unreachable" }),
    ];
    renderApp(storeWithBackups(makeStore({ store_name: "shop" }), backups), "/stores/id-shop?tab=backups");
    const panel = await screen.findByRole("tabpanel");
    const rows = await within(panel).findAllByRole("row");
    expect(rows.slice(1).map((row) => row.getAttribute("data-backup-id"))).toEqual(["b2", "b1", "b0"]);
    expect(rows[2]).toHaveTextContent(/scheduled.*Succeeded.*aaaaaaaa.*5\.0 MiB/);
    expect(rows[3]).toHaveTextContent("exit 1: target unreachable");
    // Only a Succeeded backup can be restored or cloned.
    expect(within(rows[2]!).getByRole("button", { name: "Restore…" })).toBeInTheDocument();
    expect(within(rows[3]!).queryByRole("button", { name: "Restore…" })).not.toBeInTheDocument();
    // A manual backup is running: no second one.
    expect(within(panel).getByRole("button", { name: "Backing up…" })).toBeDisabled();
  });

  it("backs up now and shows the running backup at once", async () => {
    let backups: Backup[] = [makeBackup({ id: "b1" })];
    const api = storeWithBackups(makeStore({ store_name: "shop" }), backups)
      .on("GET /stores/:id/backups", () => json(200, { items: backups }))
      .on("POST /stores/:id/backups", () => {
        const started = makeBackup({ id: "b2", kind: "manual", status: "Running", snapshot_id: null, finished_at: null });
        backups = [started, ...backups];
        return json(202, started);
      });
    const { user } = renderApp(api, "/stores/id-shop");
    await user.click(await screen.findByRole("tab", { name: "Backups" }));
    await user.click(await screen.findByRole("button", { name: "Back up now" }));
    await waitFor(() => expect(api.requestsTo("POST /stores/id-shop/backups")).toHaveLength(1));
    const panel = screen.getByRole("tabpanel");
    expect(await within(panel).findByText("Running")).toBeInTheDocument();
  });

  it("names what a restore overwrites, and takes a safety backup unless told not to", async () => {
    const store = makeStore({ store_name: "shop", domain: "shop.example.com" });
    const backup = makeBackup({ id: "b1", store_id: store.id, snapshot_id: "f00dcafe".padEnd(64, "0") });
    let current: Store = store;
    const api = storeWithBackups(store, [backup])
      .on("GET /stores/:id", () => json(200, current))
      .on("POST /stores/:id/restore", () => {
        current = { ...store, status: "Restoring", status_reason: "taking a safety backup before the restore" };
        return json(202, current);
      });
    const { user } = renderApp(api, "/stores/id-shop?tab=backups");
    await user.click(await screen.findByRole("button", { name: "Restore…" }));
    const dialog = await screen.findByRole("dialog");
    expect(dialog).toHaveTextContent(/overwrites the database of shop \(shop\.example\.com\)/);
    expect(dialog).toHaveTextContent(/orders, customers, products and settings/);
    expect(dialog).toHaveTextContent("f00dcafe");
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    const safety = within(dialog).getByRole("checkbox");
    expect(safety).toBeChecked();
    await user.click(safety);
    await user.click(within(dialog).getByRole("button", { name: "Overwrite shop" }));
    await waitFor(() => expect(api.requestsTo("POST /stores/id-shop/restore")).toHaveLength(1));
    const sent: unknown = await api.requestsTo("POST /stores/id-shop/restore")[0]!.json();
    expect(sent).toEqual({ backup_id: "b1", safety_backup: false });
    expect(await screen.findByText("Restoring", { selector: ".badge" })).toBeInTheDocument();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
  });

  it("clones a backup into a new store and opens it", async () => {
    const backup = makeBackup({ id: "b1", store_id: "id-shop", store_name: "shop" });
    const clone = makeStore({ store_name: "copy", status: "Provisioning", urls: null });
    const api = storeWithBackups(makeStore({ store_name: "shop" }), [backup])
      .on("POST /stores", () => json(202, clone))
      .on("GET /stores/:id", (_, params) => json(200, params.id === "id-copy" ? clone : makeStore({ store_name: "shop" })));
    const { user } = renderApp(api, "/stores/id-shop?tab=backups");
    await user.click(await screen.findByRole("button", { name: "Clone…" }));
    const dialog = await screen.findByRole("dialog");
    expect(dialog).toHaveTextContent("shop itself is not changed");
    await user.type(within(dialog).getByLabelText("New store name"), "copy");
    await user.click(within(dialog).getByRole("button", { name: "Create the clone" }));
    await waitFor(() => expect(api.requestsTo("POST /stores")).toHaveLength(1));
    const request = api.requestsTo("POST /stores")[0]!;
    expect(request.headers.get("Idempotency-Key")).toMatch(/^[0-9a-f]{32}$/);
    expect(await request.json()).toEqual({
      store_name: "copy",
      environment: "local",
      clone_from: { store_id: "id-shop", backup_id: "b1" },
    });
    expect(await screen.findByRole("heading", { level: 1, name: /copy/ })).toBeInTheDocument();
  });

  it("says when the platform takes no backups", async () => {
    const api = storeWithBackups(makeStore({ store_name: "shop", backups: null }), []).on("GET /config", () =>
      json(200, { ...PLATFORM_INFO, backups_enabled: false }),
    );
    renderApp(api, "/stores/id-shop?tab=backups");
    expect(await screen.findByText(/Backups are off on this platform/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Back up now" })).not.toBeInTheDocument();
  });

  it("offers neither a backup nor a restore while the store is not running", async () => {
    const store = makeStore({ store_name: "shop", status: "Failed", status_reason: "restore Job failed" });
    renderApp(storeWithBackups(store, [makeBackup()]), "/stores/id-shop?tab=backups");
    const panel = await screen.findByRole("tabpanel");
    await within(panel).findAllByRole("row");
    expect(within(panel).queryByRole("button", { name: "Back up now" })).not.toBeInTheDocument();
    expect(within(panel).queryByRole("button", { name: "Restore…" })).not.toBeInTheDocument();
    expect(within(panel).getByRole("button", { name: "Clone…" })).toBeInTheDocument();
  });
});

describe("a store being restored", () => {
  it("says which restore step it is at", async () => {
    const store = makeStore({ store_name: "shop", status: "Restoring", status_reason: "restoring backup b1 (restore-1a2b3c4d)" });
    const api = fakeApi()
      .on("GET /stores/:id", () => json(200, store))
      .on("GET /stores/:id/events", () =>
        json(200, {
          items: [
            makeEvent({ id: 1, step: "request", outcome: "accepted" }),
            makeEvent({ id: 2, step: "readiness", outcome: "succeeded", message: "store is ready" }),
            makeEvent({ id: 3, step: "restore", outcome: "accepted", message: "restore of backup b1 requested" }),
            makeEvent({ id: 4, step: "safety-backup", outcome: "succeeded", message: "safety backup taken" }),
            makeEvent({ id: 5, step: "pause", outcome: "succeeded", message: "storefront paused" }),
            makeEvent({ id: 6, step: "restore", outcome: "started", message: "restoring the backup" }),
          ],
          next_after: null,
        }),
      );
    renderApp(api, "/stores/id-shop");
    expect(await screen.findByRole("progressbar", { name: /Step 3 of 5: restoring the backup/ })).toBeInTheDocument();
    expect(screen.getByRole("status", { name: "" })).toHaveTextContent(/Restoring\. restoring backup b1/);
  });
});

describe("backup freshness", () => {
  it("marks stores whose last successful backup is older than their schedule", async () => {
    const stores = [
      makeStore({ store_name: "fresh" }),
      makeStore({ store_name: "stale", backups: { schedule: "30 2 * * *", last_success_at: null, overdue: true } }),
    ];
    renderApp(fakeApi().on("GET /stores", () => page(stores)), "/");
    const stale = await screen.findByRole("row", { name: /stale/ });
    const badge = within(stale).getByText("Backup overdue");
    expect(badge.closest("[data-backup-overdue]")).toHaveAttribute("title", expect.stringMatching(/no successful backup yet/));
    expect(within(screen.getByRole("row", { name: /fresh/ })).queryByText("Backup overdue")).not.toBeInTheDocument();
  });

  it("shows Restoring as a status and polls while a store restores", async () => {
    const api = fakeApi().on("GET /stores", () => page([makeStore({ store_name: "shop", status: "Restoring" })]));
    renderApp(api, "/");
    expect(await screen.findByText("Restoring", { selector: ".badge" })).toHaveAttribute("title", expect.stringMatching(/backup/));
    await waitFor(() => expect(api.requestsTo("GET /stores").length).toBeGreaterThan(2));
  });
});
