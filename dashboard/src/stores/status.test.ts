import { describe, expect, it } from "vitest";
import { refreshInterval } from "./status";

describe("refreshInterval", () => {
  it("polls fast while a store is provisioning or deleting", () => {
    expect(refreshInterval(["Ready", "Provisioning"], 2000)).toBe(2000);
    expect(refreshInterval(["Deleting"], 2000)).toBe(2000);
  });

  it("polls slowly while a store is degraded, and stops once everything settled", () => {
    expect(refreshInterval(["Ready", "Degraded"], 2000)).toBe(10_000);
    // Suspending and resuming happen while the status stays Suspended.
    expect(refreshInterval(["Ready", "Suspended"], 2000)).toBe(10_000);
    expect(refreshInterval(["Ready", "Failed", "Deleted"], 2000)).toBe(false);
    expect(refreshInterval([], 2000)).toBe(false);
  });
});
