import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { storeStatusValues } from "../api/schema.gen";
import { StatusBadge } from "./StatusBadge";

describe("StatusBadge", () => {
  it.each(storeStatusValues)("shows %s as a word with a symbol and an explanation", (status) => {
    render(<StatusBadge status={status} />);
    const badge = screen.getByText(status);
    expect(badge).toHaveAttribute("data-status", status);
    expect(badge).toHaveAttribute("title", expect.stringMatching(/\S/));
    expect(badge.className).toMatch(/^badge badge-(progress|good|warning|bad|muted)$/);
    const symbol = badge.querySelector(".badge-symbol");
    expect(symbol).toHaveAttribute("aria-hidden", "true");
    expect(symbol?.textContent).toMatch(/\S/);
  });
});
