import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Store } from "../api/types";
import { fakeApi, json, makeEvent, makeStore, page } from "../test/fakeApi";
import { renderApp } from "../test/renderApp";

function storeApi(store: Store) {
  return fakeApi()
    .on("GET /stores/:id", () => json(200, store))
    .on("GET /stores/:id/events", () =>
      json(200, {
        items: [
          makeEvent({ id: 1, step: "request", outcome: "accepted", message: "store requested" }),
          makeEvent({ id: 2, step: "release", outcome: "succeeded", message: "release store at revision 1" }),
          makeEvent({ id: 3, step: "readiness", outcome: "waiting", message: "MariaDB: ImagePullBackOff" }),
        ],
      }),
    );
}

describe("store detail", () => {
  it("shows the timeline from the events endpoint, oldest first", async () => {
    renderApp(storeApi(makeStore({ store_name: "shop" })), "/stores/id-shop");
    const timeline = await screen.findByRole("list");
    const items = within(timeline).getAllByRole("listitem");
    expect(items.map((item) => item.textContent)).toEqual([
      expect.stringMatching(/request.*accepted.*store requested/),
      expect.stringMatching(/release.*succeeded.*release store at revision 1/),
      expect.stringMatching(/readiness.*waiting.*MariaDB: ImagePullBackOff/),
    ]);
  });

  it("dates the timeline once per day and says how long each finished step took", async () => {
    const at = (day: number, time: string) => new Date(`2026-11-${day}T${time}`).toISOString();
    const api = fakeApi()
      .on("GET /stores/:id", () => json(200, makeStore({ store_name: "shop" })))
      .on("GET /stores/:id/events", () =>
        json(200, {
          items: [
            makeEvent({ id: 1, created_at: at(29, "23:59:00"), step: "request", outcome: "accepted" }),
            makeEvent({ id: 2, created_at: at(29, "23:59:10"), step: "release", outcome: "started", message: "installing" }),
            makeEvent({ id: 3, created_at: at(30, "00:01:15"), step: "release", outcome: "succeeded", message: "installed" }),
            makeEvent({ id: 4, created_at: at(30, "00:01:16"), step: "readiness", outcome: "started", message: "waiting" }),
            makeEvent({ id: 5, created_at: at(30, "00:01:58"), step: "readiness", outcome: "succeeded", message: "ready" }),
          ],
        }),
      );
    renderApp(api, "/stores/id-shop");
    const days = await screen.findAllByRole("region", { name: /2026/ });
    expect(days).toHaveLength(2);
    expect(within(days[0]!).getAllByRole("listitem")).toHaveLength(2);
    const [installed, , ready] = within(days[1]!).getAllByRole("listitem");
    expect(installed).toHaveTextContent(/release.*succeeded in 2m 05s.*installed/);
    expect(ready).toHaveTextContent(/readiness.*succeeded in 42s.*ready/);
    // Rows carry the time of day only; the date is the day's heading.
    expect(installed?.querySelector("time")?.textContent).not.toMatch(/2026/);
  });

  it("says how to sign in: the admin user and a command that reads the password from the Secret", async () => {
    const { user } = renderApp(storeApi(makeStore({ store_name: "shop" })), "/stores/id-shop");
    const signIn = await screen.findByRole("region", { name: "Sign in to WP admin" });
    expect(signIn).toHaveTextContent("admin");
    const command =
      "kubectl -n shop-1a2b3c4d get secret store-admin-credentials -o jsonpath='{.data.admin-password}' | base64 -d";
    expect(within(signIn).getByText(command)).toBeInTheDocument();
    await user.click(within(signIn).getByRole("button", { name: "Copy command" }));
    expect(await navigator.clipboard.readText()).toBe(command);
    expect(signIn).toHaveTextContent("Copied.");
  });

  it("links the storefront and WP admin of a ready store", async () => {
    renderApp(storeApi(makeStore({ store_name: "shop" })), "/stores/id-shop");
    expect(await screen.findByRole("link", { name: "http://shop.shop.test/" })).toHaveAttribute(
      "href",
      "http://shop.shop.test/",
    );
    expect(screen.getByRole("link", { name: "http://shop.shop.test/wp-admin/" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Retry" })).not.toBeInTheDocument();
  });

  it("shows what a provisioning store is waiting on, and keeps refreshing", async () => {
    let reads = 0;
    const api = storeApi(makeStore()).on("GET /stores/:id", () => {
      reads += 1;
      return json(
        200,
        reads < 3
          ? makeStore({ status: "Provisioning", status_reason: "MariaDB: ImagePullBackOff (mariadb:11.4)", urls: null })
          : makeStore(),
      );
    });
    renderApp(api, "/stores/id-demo");

    const callout = await screen.findByRole("status");
    expect(callout).toHaveTextContent("Provisioning. Waiting on: MariaDB: ImagePullBackOff (mariadb:11.4)");
    // The timeline's last step is readiness, still waiting: the fourth of four.
    expect(await within(callout).findByText(/Step 4 of 4: waiting for the store to become ready/)).toBeInTheDocument();
    expect(within(callout).getByRole("progressbar")).toHaveAttribute("value", "3");
    expect(screen.getAllByText("available when the store is Ready")).toHaveLength(2);
    expect(await screen.findByRole("link", { name: "http://demo.shop.test/" })).toBeInTheDocument();
    expect(screen.queryByText(/Waiting on/)).not.toBeInTheDocument();
  });

  it("retries a failed store", async () => {
    const failed = makeStore({ status: "Failed", status_reason: "helm: chart render error", urls: null });
    const api = storeApi(failed).on("POST /stores/:id/retry", () =>
      json(202, { ...failed, status: "Provisioning", status_reason: "retry requested" }),
    );
    const { user } = renderApp(api, "/stores/id-demo");

    expect(await screen.findByText(/helm: chart render error/)).toBeInTheDocument();
    await user.click(await screen.findByRole("button", { name: "Retry" }));

    await waitFor(() => expect(api.requestsTo("POST /stores/id-demo/retry")).toHaveLength(1));
    expect(await screen.findByText(/Waiting on: retry requested/)).toBeInTheDocument();
  });

  it("shows a refused retry in words", async () => {
    const api = storeApi(makeStore({ status: "Failed", status_reason: "boom" })).on("POST /stores/:id/retry", () =>
      json(409, { error: "invalid_state", detail: "only a Failed store can be retried; this one is Ready" }),
    );
    const { user } = renderApp(api, "/stores/id-demo");
    await user.click(await screen.findByRole("button", { name: "Retry" }));
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "Could not retry the store. only a Failed store can be retried; this one is Ready",
    );
  });

  it("deletes only after a confirmation that names the store", async () => {
    const store = makeStore({ store_name: "shop" });
    let deleted = false;
    const api = storeApi(store)
      .on("GET /stores/:id", () => json(200, deleted ? { ...store, status: "Deleting" } : store))
      .on("DELETE /stores/:id", () => {
        deleted = true;
        return json(202, { ...store, status: "Deleting", status_reason: "deletion requested" });
      })
      .on("GET /stores", () => page(deleted ? [] : [store]));
    const { user } = renderApp(api, "/stores/id-shop");

    const open = await screen.findByRole("button", { name: "Delete…" });
    await user.click(open);
    let dialog = screen.getByRole("dialog", { name: "Delete store shop?" });
    expect(dialog).toHaveTextContent("namespace shop-1a2b3c4d");
    expect(within(dialog).getByRole("button", { name: "Cancel" })).toHaveFocus();
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(open).toHaveFocus();
    expect(api.requestsTo("DELETE /stores/id-shop")).toHaveLength(0);

    await user.click(open);
    dialog = screen.getByRole("dialog", { name: "Delete store shop?" });
    await user.click(within(dialog).getByRole("button", { name: "Delete shop" }));

    // Going back to the list is a router transition, which the test's 25 ms polling of the
    // deleting store keeps interrupting: on a loaded machine it takes more than a second.
    expect(await screen.findByText(/Deleting store shop\./, {}, { timeout: 5000 })).toHaveAttribute(
      "role",
      "status",
    );
    expect(await screen.findByText(/No stores yet/)).toBeInTheDocument();
    expect(api.requestsTo("DELETE /stores/id-shop")).toHaveLength(1);
  });

  it("says so when the store does not exist", async () => {
    renderApp(fakeApi(), "/stores/nope");
    expect(await screen.findByRole("alert")).toHaveTextContent("No such store.");
  });
});
