import { render, screen, waitFor } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
import { createPlatform } from "../app/platform";
import { PlatformProvider } from "../app/PlatformProvider";
import { fakeApi, json, makeStore } from "../test/fakeApi";
import { ListNotice, type ListNoticeState } from "./ListNotice";

function renderAt(state: unknown) {
  return render(
    <MemoryRouter initialEntries={[{ pathname: "/", state }]}>
      <ListNotice />
    </MemoryRouter>,
  );
}

describe("ListNotice", () => {
  it("announces the notice the previous page left in the navigation state", () => {
    const state: ListNoticeState = { notice: "Store demo requested." };
    renderAt(state);
    expect(screen.getByRole("status")).toHaveTextContent("Store demo requested.");
  });

  it("clears a store's notice once that store settles", async () => {
    let reads = 0;
    const api = fakeApi().on("GET /stores/:id", () => {
      reads += 1;
      return json(200, makeStore({ status: reads < 3 ? "Provisioning" : "Ready" }));
    });
    const platform = createPlatform({ fetch: api.fetch, baseUrl: "http://platform.test", retries: false, pollIntervalMs: 25 });
    const state: ListNoticeState = { notice: "Store demo requested.", storeId: "id-demo" };
    render(
      <PlatformProvider platform={platform}>
        <MemoryRouter initialEntries={[{ pathname: "/", state }]}>
          <ListNotice />
        </MemoryRouter>
      </PlatformProvider>,
    );
    expect(await screen.findByRole("status")).toHaveTextContent("Store demo requested.");
    await waitFor(() => expect(screen.queryByRole("status")).not.toBeInTheDocument());
    expect(reads).toBeGreaterThanOrEqual(3);
  });

  it("shows nothing when the list was opened directly or the notice is empty", () => {
    const direct = renderAt(null);
    expect(direct.container).toBeEmptyDOMElement();
    direct.unmount();
    const empty = renderAt({ notice: "" });
    expect(empty.container).toBeEmptyDOMElement();
  });
});
