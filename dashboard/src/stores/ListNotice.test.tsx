import { render, screen } from "@testing-library/react";
import { MemoryRouter } from "react-router";
import { describe, expect, it } from "vitest";
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

  it("shows nothing when the list was opened directly or the notice is empty", () => {
    const direct = renderAt(null);
    expect(direct.container).toBeEmptyDOMElement();
    direct.unmount();
    const empty = renderAt({ notice: "" });
    expect(empty.container).toBeEmptyDOMElement();
  });
});
