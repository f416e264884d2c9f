import { render, screen } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { Field } from "./Field";

function renderField(problem: string | undefined) {
  return render(
    <Field id="city" label="City" hint="Where the shop is." problem={problem}>
      {(described) => <input id="city" {...described} />}
    </Field>,
  );
}

describe("Field", () => {
  it("labels the control and describes it with the hint", () => {
    renderField(undefined);
    const input = screen.getByLabelText("City");
    expect(input).toHaveAttribute("aria-invalid", "false");
    expect(input).toHaveAccessibleDescription("Where the shop is.");
    expect(screen.queryByText(/City:/)).not.toBeInTheDocument();
  });

  it("marks the control invalid and announces the problem before the hint, without the symbol", () => {
    renderField("must not be empty");
    const input = screen.getByLabelText("City");
    expect(input).toHaveAttribute("aria-invalid", "true");
    expect(input).toHaveAccessibleDescription("City: must not be empty Where the shop is.");
    expect(screen.getByText("✕")).toHaveAttribute("aria-hidden", "true");
  });
});
