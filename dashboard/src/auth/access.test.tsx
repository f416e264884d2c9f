import { screen, waitFor, within } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { Scope } from "../api/types";
import { PLATFORM_INFO, fakeApi, json, makeStore, page } from "../test/fakeApi";
import { renderApp } from "../test/renderApp";

const TOKEN_KEY = "woo-platform.api-token";

/** A platform that needs tokens, with this tab signed in as `name` with `scope`. */
function signedIn(name: string, scope: Scope) {
  window.sessionStorage.setItem(TOKEN_KEY, `token-of-${name}`);
  const store = makeStore({ store_name: "shop", status: "Failed" });
  return fakeApi()
    .on("GET /config", () => json(200, { ...PLATFORM_INFO, environments: ["local"], auth_required: true }))
    .on("GET /whoami", () => json(200, { name, scope }))
    .on("GET /stores", () => page([store]))
    .on("GET /stores/:id", () => json(200, store))
    .on("GET /stores/:id/events", () => json(200, { items: [], next_after: null }))
    .on("GET /stores/:id/credentials", () =>
      json(200, { username: "admin", password: "s3cret-Pa55", admin_url: "http://shop.shop.test/wp-admin/" }),
    );
}

afterEach(() => window.sessionStorage.clear());

describe("who is signed in, and what they may do", () => {
  it("names the token and its scope, and signs out", async () => {
    const { user } = renderApp(signedIn("ci-reader", "read"));
    expect(await screen.findByText(/Signed in as/)).toHaveTextContent("Signed in as ci-reader (read)");
    await user.click(screen.getByRole("button", { name: "Sign out" }));
    expect(window.sessionStorage.getItem(TOKEN_KEY)).toBeNull();
    expect(screen.queryByText(/Signed in as/)).not.toBeInTheDocument();
    expect(await screen.findByRole("button", { name: "Enter API token" })).toBeInTheDocument();
  });

  it("offers a read token no action that changes anything", async () => {
    renderApp(signedIn("viewer", "read"), "/stores/id-shop");
    expect(await screen.findByText(/Signed in as/)).toHaveTextContent("viewer (read)");
    await screen.findByRole("heading", { name: /shop/ });
    for (const action of ["Delete…", "Retry", "Show admin password…"]) {
      expect(screen.queryByRole("button", { name: action })).not.toBeInTheDocument();
    }
  });

  it("offers a write token the store actions, but not the password", async () => {
    renderApp(signedIn("deployer", "write"), "/stores/id-shop");
    expect(await screen.findByRole("button", { name: "Delete…" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Retry" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Show admin password…" })).not.toBeInTheDocument();
  });

  it("hides New store from a read token on the list", async () => {
    renderApp(signedIn("viewer", "read"));
    expect(await screen.findByText(/Signed in as/)).toHaveTextContent("viewer (read)");
    await screen.findByRole("table");
    expect(screen.queryByRole("link", { name: "New store" })).not.toBeInTheDocument();
  });
});

describe("show admin password", () => {
  it("asks first, reads the credentials only then, and copies the password", async () => {
    const api = signedIn("root", "admin");
    const { user } = renderApp(api, "/stores/id-shop");
    await user.click(await screen.findByRole("button", { name: "Show admin password…" }));
    const dialog = screen.getByRole("dialog", { name: "Admin password of shop" });
    expect(dialog).toHaveTextContent("records that you looked");
    expect(api.requestsTo("GET /stores/id-shop/credentials")).toHaveLength(0);

    await user.click(within(dialog).getByRole("button", { name: "Show password" }));
    expect(await within(dialog).findByLabelText("Admin password")).toHaveTextContent("s3cret-Pa55");
    expect(api.requestsTo("GET /stores/id-shop/credentials")).toHaveLength(1);

    await user.click(within(dialog).getByRole("button", { name: "Copy password" }));
    expect(await navigator.clipboard.readText()).toBe("s3cret-Pa55");
    expect(within(dialog).getByRole("status")).toHaveTextContent("Copied");

    await user.click(within(dialog).getByRole("button", { name: "Done" }));
    await waitFor(() => expect(screen.queryByText("s3cret-Pa55")).not.toBeInTheDocument());
  });

  it("cancels without reading anything", async () => {
    const api = signedIn("root", "admin");
    const { user } = renderApp(api, "/stores/id-shop");
    await user.click(await screen.findByRole("button", { name: "Show admin password…" }));
    await user.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(api.requestsTo("GET /stores/id-shop/credentials")).toHaveLength(0);
  });
});
