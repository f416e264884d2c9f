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

    expect(await screen.findByRole("status")).toHaveTextContent(
      "Provisioning. Waiting on: MariaDB: ImagePullBackOff (mariadb:11.4)",
    );
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

    expect(await screen.findByText(/Deleting store shop\./)).toHaveAttribute("role", "status");
    expect(await screen.findByText(/No stores yet/)).toBeInTheDocument();
    expect(api.requestsTo("DELETE /stores/id-shop")).toHaveLength(1);
  });

  it("says so when the store does not exist", async () => {
    renderApp(fakeApi(), "/stores/nope");
    expect(await screen.findByRole("alert")).toHaveTextContent("No such store.");
  });
});
