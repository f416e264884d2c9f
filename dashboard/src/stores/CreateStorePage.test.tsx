import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { fakeApi, json, makeStore, page } from "../test/fakeApi";
import { renderApp } from "../test/renderApp";

function createdFrom(request: Request) {
  return request.json() as Promise<{ store_name: string; domain?: string; environment: string }>;
}

describe("create form", () => {
  it("suggests the domain from the name as a placeholder until one is typed", async () => {
    const { user } = renderApp(fakeApi(), "/new");
    const name = screen.getByLabelText("Store name");
    const domain = screen.getByLabelText("Domain");
    expect(screen.getByLabelText("Environment")).toHaveValue("local");

    await user.type(name, "corner-shop");
    await waitFor(() => expect(domain).toHaveAttribute("placeholder", "corner-shop.shop.test"));
    expect(domain).toHaveValue("");
    expect(domain).toHaveAccessibleDescription(/Leave empty for corner-shop\.shop\.test/);

    await user.type(domain, "shop.example.com");
    await user.type(name, "-2");
    expect(domain).toHaveValue("shop.example.com");
  });

  it("flags a name past its length limit while it is typed", async () => {
    const api = fakeApi();
    const { user } = renderApp(api, "/new");
    const name = screen.getByLabelText("Store name");
    await user.type(name, "a".repeat(54));
    expect(name).toHaveAttribute("aria-invalid", "false");
    expect(name).toHaveAccessibleDescription(/54 so far/);
    await user.type(name, "b");
    expect(name).toHaveAttribute("aria-invalid", "true");
    expect(name).toHaveAccessibleDescription(/Store name: must be at most 54 characters/);
    expect(api.requestsTo("POST /stores")).toHaveLength(0);
  });

  it("creates the store, sends an idempotency key and returns to the list", async () => {
    const created = makeStore({ store_name: "corner-shop", status: "Provisioning", urls: null });
    const api = fakeApi()
      .on("POST /stores", () => json(202, created, { Location: "/stores/id-corner-shop" }))
      .on("GET /stores", () => page([created]));
    const { user } = renderApp(api, "/new");
    await screen.findByDisplayValue("local");
    await waitFor(() => expect(api.requestsTo("GET /config")).toHaveLength(1));

    await user.type(screen.getByLabelText("Store name"), "corner-shop");
    await user.selectOptions(screen.getByLabelText("Environment"), "prod");
    await user.click(screen.getByRole("button", { name: "Create store" }));

    expect(await screen.findByRole("status")).toHaveTextContent("Store corner-shop requested");
    expect(within(await screen.findByRole("table")).getByText("Provisioning")).toBeInTheDocument();
    const [post] = api.requestsTo("POST /stores");
    expect(post?.headers.get("Idempotency-Key")).toMatch(/^[0-9a-f]{32}$/);
    // No domain typed: none sent, the API gives the suggested one.
    expect(await createdFrom(post!)).toEqual({ store_name: "corner-shop", environment: "prod" });
  });

  it("refuses a bad name before sending anything, next to the field", async () => {
    const api = fakeApi();
    const { user } = renderApp(api, "/new");
    const name = screen.getByLabelText("Store name");

    await user.type(name, "Bad_Name");
    await user.click(screen.getByRole("button", { name: "Create store" }));

    expect(name).toHaveAttribute("aria-invalid", "true");
    expect(name).toHaveAccessibleDescription(/must be a DNS-1123 label/);
    await waitFor(() => expect(name).toHaveFocus());
    expect(api.requestsTo("POST /stores")).toHaveLength(0);
  });

  it("checks the domain with the API's hostname rules once submitted, then as people type", async () => {
    const api = fakeApi();
    const { user } = renderApp(api, "/new");
    await user.type(screen.getByLabelText("Store name"), "ok");
    const domain = screen.getByLabelText("Domain");

    await user.clear(domain);
    await user.type(domain, "Shop.Example.com");
    expect(domain).toHaveAttribute("aria-invalid", "false");
    await user.click(screen.getByRole("button", { name: "Create store" }));
    expect(domain).toHaveAccessibleDescription(/Domain: must be lowercase/);
    await waitFor(() => expect(domain).toHaveFocus());

    await user.clear(domain);
    await user.type(domain, "10.0.0.1");
    expect(domain).toHaveAccessibleDescription(/must be a hostname, not an IP address/);

    await user.clear(domain);
    await user.type(domain, "ok.example.com");
    expect(domain).toHaveAttribute("aria-invalid", "false");
    expect(api.requestsTo("POST /stores")).toHaveLength(0);
  });

  it("shows the API's field errors next to the fields", async () => {
    const api = fakeApi().on("POST /stores", () =>
      json(422, {
        error: "validation_error",
        detail: "domain: must not be used by the platform itself",
        fields: [{ field: "domain", message: "must not be used by the platform itself" }],
      }),
    );
    const { user } = renderApp(api, "/new");
    await user.type(screen.getByLabelText("Store name"), "shop");
    await user.click(screen.getByRole("button", { name: "Create store" }));

    const domain = screen.getByLabelText("Domain");
    await waitFor(() => expect(domain).toHaveAttribute("aria-invalid", "true"));
    expect(domain).toHaveAccessibleDescription(/Domain: must not be used by the platform itself/);
    expect(screen.getByRole("alert")).toHaveTextContent("The platform did not accept the store.");

    // Editing the field clears the API's complaint about it (a domain the form itself accepts).
    await user.type(domain, "shop.shop.test");
    expect(domain).toHaveAttribute("aria-invalid", "false");
  });

  it("links the live store that holds a taken name, and moves focus to the message (409)", async () => {
    const holder = makeStore({ store_name: "shop" });
    const api = fakeApi()
      .on("POST /stores", () =>
        json(409, { error: "conflict", detail: "store name 'shop' is already used by store id-shop" }),
      )
      .on("GET /stores", (request) =>
        page(new URL(request.url).searchParams.get("search") === "shop" ? [makeStore({ store_name: "shops" }), holder] : []),
      );
    const { user } = renderApp(api, "/new");
    await user.type(screen.getByLabelText("Store name"), "shop");
    await user.click(screen.getByRole("button", { name: "Create store" }));

    const alert = await screen.findByRole("alert");
    expect(alert).toHaveTextContent("That name or domain is taken.");
    const link = await within(alert).findByRole("link", { name: "shop" });
    expect(link).toHaveAttribute("href", "/stores/id-shop");
    expect(alert).toHaveTextContent("already uses this name");
    await waitFor(() => expect(document.getElementById("create-error")).toHaveFocus());
    expect(screen.getByRole("heading", { name: "New store" })).toBeInTheDocument();
  });

  it("reuses the idempotency key when the same store is submitted again", async () => {
    let attempts = 0;
    const api = fakeApi()
      .on("POST /stores", () => {
        attempts += 1;
        if (attempts === 1) throw new TypeError("Failed to fetch");
        return json(202, makeStore({ store_name: "shop", status: "Provisioning" }));
      })
      .on("GET /stores", () => page([]));
    const { user } = renderApp(api, "/new");
    await user.type(screen.getByLabelText("Store name"), "shop");
    await user.click(screen.getByRole("button", { name: "Create store" }));
    expect(await screen.findByRole("alert")).toHaveTextContent("Cannot reach the platform API");

    await user.click(screen.getByRole("button", { name: "Create store" }));
    await screen.findByRole("status");
    const [first, second] = api.requestsTo("POST /stores");
    expect(second?.headers.get("Idempotency-Key")).toBe(first?.headers.get("Idempotency-Key"));
  });
});
