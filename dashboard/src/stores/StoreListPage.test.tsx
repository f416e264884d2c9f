import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { storeStatusValues } from "../api/schema.gen";
import { fakeApi, json, makeStore, page } from "../test/fakeApi";
import { renderApp } from "../test/renderApp";

describe("store list", () => {
  it("shows each store's name, storefront link, environment, status, reason and age", async () => {
    const api = fakeApi().on("GET /stores", () =>
      page([
        makeStore({ store_name: "alpha" }),
        makeStore({
          store_name: "beta",
          environment: "prod",
          status: "Provisioning",
          status_reason: "waiting for MariaDB: 0/1 ready",
          urls: null,
          created_at: new Date(Date.now() - 3 * 3600_000).toISOString(),
        }),
      ]),
    );
    renderApp(api);

    const alpha = await screen.findByRole("row", { name: /alpha/ });
    expect(within(alpha).getByRole("link", { name: "alpha" })).toHaveAttribute("href", "/stores/id-alpha");
    expect(within(alpha).getByRole("link", { name: "alpha.shop.test" })).toHaveAttribute(
      "href",
      "http://alpha.shop.test/",
    );
    expect(within(alpha).getByText("Ready")).toBeInTheDocument();
    expect(within(alpha).getByText("5m")).toBeInTheDocument();

    const beta = screen.getByRole("row", { name: /beta/ });
    expect(within(beta).getByText("prod")).toBeInTheDocument();
    expect(within(beta).getByText("Provisioning")).toBeInTheDocument();
    expect(within(beta).getByText("waiting for MariaDB: 0/1 ready")).toBeInTheDocument();
    expect(within(beta).getByText("3h")).toBeInTheDocument();
    // No storefront yet: the domain is text, not a dead link.
    expect(within(beta).queryByRole("link", { name: "beta.shop.test" })).not.toBeInTheDocument();
  });

  it("shows each store's plan and version, the version an upgrade goes to, and pins", async () => {
    const api = fakeApi().on("GET /stores", () =>
      page([
        makeStore({ store_name: "steady", plan: "medium", pinned: true }),
        makeStore({
          store_name: "moving",
          status: "Upgrading",
          status_reason: "upgrade requested: version 2026.11 -> 2026.12",
          upgrade: { plan: "small", version: "2026.12" },
        }),
      ]),
    );
    renderApp(api);

    const steady = await screen.findByRole("row", { name: /steady/ });
    expect(within(steady).getByText("medium")).toBeInTheDocument();
    expect(within(steady).getByText("(pinned)")).toHaveAttribute("title", "Skipped by rollouts");
    const moving = screen.getByRole("row", { name: /moving/ });
    expect(within(moving).getByText("Upgrading")).toHaveTextContent("↻Upgrading");
    expect(within(moving).getByText("→ 2026.12")).toBeInTheDocument();
  });

  it("says the status in words and a symbol, not by colour alone", async () => {
    const api = fakeApi().on("GET /stores", () => page([makeStore({ status: "Failed", status_reason: "chart render error" })]));
    renderApp(api);
    const badge = within(await screen.findByRole("table")).getByText("Failed");
    expect(badge).toHaveTextContent("✕Failed");
    expect(badge).toHaveAttribute("title", expect.stringContaining("retry or delete"));
  });

  it("keeps polling while a store provisions and stops once it settles", async () => {
    let answers = 0;
    const api = fakeApi().on("GET /stores", () => {
      answers += 1;
      const status = answers < 3 ? "Provisioning" : "Ready";
      return page([makeStore({ status, urls: status === "Ready" ? makeStore().urls : null })]);
    });
    renderApp(api);

    const table = await screen.findByRole("table");
    expect(within(table).getByText("Provisioning")).toBeInTheDocument();
    expect(screen.getByText("1 store is changing; updating live")).toBeInTheDocument();
    expect(await within(table).findByText("Ready")).toBeInTheDocument();
    expect(screen.queryByText(/updating live/)).not.toBeInTheDocument();
    const settledAt = api.requestsTo("GET /stores").length;
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(api.requestsTo("GET /stores")).toHaveLength(settledAt);
  });

  it("filters by status through the API", async () => {
    const api = fakeApi()
      .on("GET /stores", (request) => {
        const status = new URL(request.url).searchParams.get("status");
        return status === "Failed"
          ? page([makeStore({ store_name: "broken", status: "Failed" })])
          : page([makeStore({ store_name: "fine" }), makeStore({ store_name: "broken", status: "Failed" })]);
      });
    const { user } = renderApp(api);
    await screen.findByRole("row", { name: /fine/ });

    await user.selectOptions(screen.getByLabelText("Status"), "Failed");

    await waitFor(() => expect(screen.queryByRole("row", { name: /fine/ })).not.toBeInTheDocument());
    expect(screen.getByRole("row", { name: /broken/ })).toBeInTheDocument();
    const last = api.requestsTo("GET /stores").at(-1);
    expect(new URL(last?.url ?? "").searchParams.get("status")).toBe("Failed");
  });

  it("searches names and domains, and sorts, through the API", async () => {
    const api = fakeApi().on("GET /stores", (request) => {
      const search = new URL(request.url).searchParams.get("search");
      return search === "bak"
        ? page([makeStore({ store_name: "bakery" })])
        : page([makeStore({ store_name: "toys" }), makeStore({ store_name: "bakery" })]);
    });
    const { user } = renderApp(api);
    await screen.findByRole("row", { name: /toys/ });

    await user.type(screen.getByLabelText("Search"), "bak");
    await waitFor(() => expect(screen.queryByRole("row", { name: /toys/ })).not.toBeInTheDocument());
    expect(new URL(api.requestsTo("GET /stores").at(-1)?.url ?? "").searchParams.get("search")).toBe("bak");
    // One request for the whole word, not one per keystroke.
    const searched = api.requestsTo("GET /stores").map((r) => new URL(r.url).searchParams.get("search"));
    expect(searched.filter((value) => value !== null)).toEqual(["bak"]);

    await user.selectOptions(screen.getByLabelText("Sort"), "name");
    await waitFor(() =>
      expect(new URL(api.requestsTo("GET /stores").at(-1)?.url ?? "").searchParams.get("sort")).toBe("name"),
    );
    expect(new URL(api.requestsTo("GET /stores").at(-1)?.url ?? "").searchParams.get("search")).toBe("bak");
  });

  it("drops a waiting search once a link has been followed", async () => {
    const api = fakeApi().on("GET /stores", () => page([makeStore({ store_name: "alpha" })]));
    const { user } = renderApp(api, "/", { browserHistory: true });
    await screen.findByRole("row", { name: /alpha/ });

    await user.type(screen.getByLabelText("Search"), "al");
    // A click on the store's link, as the browser has it while the router still renders the
    // next page: the address has moved on, the list is still on screen with its timer.
    window.history.pushState(window.history.state, "", "/stores/id-alpha");
    await new Promise((resolve) => window.setTimeout(resolve, 500));

    expect(window.location.pathname).toBe("/stores/id-alpha");
    const searched = api.requestsTo("GET /stores").map((r) => new URL(r.url).searchParams.get("search"));
    expect(searched.filter((value) => value !== null)).toEqual([]);
  });

  it("says when a search matches nothing, and the way back clears the search box", async () => {
    const { user } = renderApp(fakeApi().on("GET /stores", () => page([])), "/?q=nothing");
    expect(await screen.findByText("No stores match “nothing”.")).toBeInTheDocument();
    expect(screen.getByLabelText("Search")).toHaveValue("nothing");
    await user.click(screen.getByRole("link", { name: "Show all live stores" }));
    await waitFor(() => expect(screen.getByLabelText("Search")).toHaveValue(""));
  });

  it("shows one state at a time: a failed refresh replaces the live note", async () => {
    let reads = 0;
    const api = fakeApi().on("GET /stores", () => {
      reads += 1;
      return reads === 1
        ? page([makeStore({ status: "Provisioning", urls: null })])
        : json(500, { error: "internal_error", detail: "internal error; see the orchestrator log" });
    });
    renderApp(api);
    expect(await screen.findByText("1 store is changing; updating live")).toBeInTheDocument();
    expect(await screen.findByRole("alert")).toHaveTextContent("Could not refresh the stores");
    expect(screen.queryByText(/updating live/)).not.toBeInTheDocument();
    expect(screen.getByRole("row", { name: /demo/ })).toBeInTheDocument();
  });

  it("offers every status the API defines as a filter", async () => {
    renderApp(fakeApi().on("GET /stores", () => page([])));
    const filter = screen.getByLabelText("Status");
    const offered = within(filter)
      .getAllByRole("option")
      .map((option) => option.getAttribute("value"));
    expect(offered).toEqual(["", ...storeStatusValues]);
    expect(await screen.findByText(/No stores yet/)).toBeInTheDocument();
  });

  it("shows an empty state with a way to create the first store", async () => {
    renderApp(fakeApi().on("GET /stores", () => page([])));
    expect(await screen.findByText(/No stores yet/)).toBeInTheDocument();
    expect(await screen.findByRole("link", { name: "Create your first store" })).toHaveAttribute("href", "/new");
  });

  it("says when a filter matches nothing", async () => {
    renderApp(fakeApi().on("GET /stores", () => page([])), "/?status=Degraded");
    expect(await screen.findByText("No stores are Degraded.")).toBeInTheDocument();
    expect(screen.getByRole("link", { name: "Show all live stores" })).toBeInTheDocument();
  });

  it("pages through many stores", async () => {
    const api = fakeApi().on("GET /stores", (request) => {
      const offset = Number(new URL(request.url).searchParams.get("offset"));
      const items = Array.from({ length: offset === 0 ? 20 : 5 }, (_, i) =>
        makeStore({ store_name: `store-${offset + i + 1}` }),
      );
      return page(items, 25, 20, offset);
    });
    const { user } = renderApp(api);

    expect(await screen.findByText("Showing 1–20 of 25")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Previous page" })).toBeDisabled();
    await user.click(screen.getByRole("button", { name: "Next page" }));

    expect(await screen.findByText("Showing 21–25 of 25")).toBeInTheDocument();
    expect(screen.getByRole("row", { name: /store-25/ })).toBeInTheDocument();
    expect(screen.getByText("Page 2 of 2")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Next page" })).toBeDisabled();
  });
});

describe("store list errors", () => {
  it("explains a network failure and offers to try again", async () => {
    let down = true;
    const api = fakeApi().on("GET /stores", () => {
      if (down) throw new TypeError("Failed to fetch");
      return page([makeStore()]);
    });
    const { user } = renderApp(api);

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("Could not load the stores.");
    expect(alert).toHaveTextContent("Cannot reach the platform API");
    down = false;
    await user.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("row", { name: /demo/ })).toBeInTheDocument();
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
  });

  it("explains a server error without showing internals", async () => {
    renderApp(
      fakeApi().on("GET /stores", () => json(503, { error: "internal_error", detail: "internal error; see the orchestrator log" })),
    );
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "The platform had a problem on its side (HTTP 503). Try again in a moment",
    );
  });

  it("explains rate limiting, with the wait the API asks for", async () => {
    renderApp(
      fakeApi().on("GET /stores", () => json(429, { error: "rate_limited", detail: "slow down" }, { "Retry-After": "7" })),
    );
    expect(await screen.findByRole("alert")).toHaveTextContent(
      "The platform is receiving too many requests. Try again in 7 seconds.",
    );
  });

  it("asks for a token on 401, keeps it for the session and sends it", async () => {
    const api = fakeApi().on("GET /stores", (request) =>
      request.headers.get("Authorization") === "Bearer s3cret"
        ? page([makeStore({ store_name: "private" })])
        : json(401, { error: "unauthorized", detail: "a valid bearer token is required" }, { "WWW-Authenticate": "Bearer" }),
    );
    const { user } = renderApp(api);

    const dialog = await screen.findByRole("dialog", { name: "API token" });
    expect(within(dialog).getByText(/needs a token/)).toBeInTheDocument();
    const input = within(dialog).getByLabelText("Token");
    expect(input).toHaveFocus();
    await user.type(input, "s3cret{Enter}");

    expect(await screen.findByRole("row", { name: /private/ })).toBeInTheDocument();
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();
    expect(window.sessionStorage.getItem("woo-platform.api-token")).toBe("s3cret");
  });

  it("asks again, and forgets the old token, when the API refuses it", async () => {
    window.sessionStorage.setItem("woo-platform.api-token", "old");
    const api = fakeApi().on("GET /stores", () =>
      json(401, { error: "unauthorized", detail: "a valid bearer token is required" }),
    );
    renderApp(api);

    const dialog = await screen.findByRole("dialog", { name: "API token" });
    expect(within(dialog).getByText(/refused the token/)).toBeInTheDocument();
    expect(window.sessionStorage.getItem("woo-platform.api-token")).toBeNull();
    expect(api.requestsTo("GET /stores")[0]?.headers.get("Authorization")).toBe("Bearer old");
  });
});
