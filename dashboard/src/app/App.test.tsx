import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { PLATFORM_INFO, fakeApi, json, page } from "../test/fakeApi";
import { renderApp } from "../test/renderApp";

describe("console shell", () => {
  it("offers to enter a token when the platform uses them, from the keyboard", async () => {
    const api = fakeApi()
      .on("GET /config", () =>
        json(200, { ...PLATFORM_INFO, environments: ["local"], auth_required: true }),
      )
      .on("GET /stores", () => page([]));
    const { user } = renderApp(api);

    const button = await screen.findByRole("button", { name: "Enter API token" });
    button.focus();
    await user.keyboard("{Enter}");
    const dialog = screen.getByRole("dialog", { name: "API token" });
    expect(dialog).toHaveTextContent("kept for this browser tab only");
    await user.keyboard("{Escape}");
    expect(screen.queryByRole("dialog")).not.toBeInTheDocument();

    await user.click(button);
    await user.type(within(screen.getByRole("dialog")).getByLabelText("Token"), "t0ken{Enter}");
    expect(await screen.findByRole("button", { name: "Change API token" })).toBeInTheDocument();
    await waitFor(() =>
      expect(api.requestsTo("GET /stores").at(-1)?.headers.get("Authorization")).toBe("Bearer t0ken"),
    );
  });

  it("says that authentication is off when the platform is open, and offers no token", async () => {
    renderApp(fakeApi().on("GET /stores", () => page([])));
    await screen.findByText(/No stores yet/);
    expect(await screen.findByText(/Authentication is off/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: /API token/ })).not.toBeInTheDocument();
  });

  it("lets keyboard users skip to the content", async () => {
    const { user } = renderApp(fakeApi().on("GET /stores", () => page([])));
    await user.tab();
    expect(screen.getByRole("link", { name: "Skip to content" })).toHaveFocus();
  });
});
