import { describe, expect, it } from "vitest";
import { PLATFORM_INFO, makeEvent } from "../test/fakeApi";
import { formatDuration, provisioningProgress } from "./progress";

const STEPS = PLATFORM_INFO.provisioning_steps;
const CREATED = "2026-11-30T10:00:00Z";

describe("provisioning progress", () => {
  it("is at the first step before any step has started", () => {
    const events = [makeEvent({ step: "request", outcome: "accepted", created_at: CREATED })];
    expect(provisioningProgress(events, STEPS, CREATED)).toEqual({
      step: 1,
      steps: 4,
      description: "creating namespace",
      since: CREATED,
    });
  });

  it("moves to the next step once one succeeds, and restarts its clock on a retry", () => {
    const events = [
      makeEvent({ id: 1, step: "request", outcome: "accepted", created_at: CREATED }),
      makeEvent({ id: 2, step: "namespace", outcome: "succeeded" }),
      makeEvent({ id: 3, step: "secrets", outcome: "succeeded" }),
      makeEvent({ id: 4, step: "release", outcome: "failed" }),
      makeEvent({ id: 5, step: "request", outcome: "accepted", created_at: "2026-11-30T11:00:00Z" }),
      makeEvent({ id: 6, step: "namespace", outcome: "succeeded" }),
    ];
    expect(provisioningProgress(events, STEPS, CREATED)).toMatchObject({
      step: 2,
      description: "creating credentials",
      since: "2026-11-30T11:00:00Z",
    });
  });

  it("stays at the last step while it waits", () => {
    const events = [
      makeEvent({ id: 1, step: "release", outcome: "succeeded" }),
      makeEvent({ id: 2, step: "readiness", outcome: "waiting" }),
    ];
    expect(provisioningProgress(events, STEPS, CREATED)).toMatchObject({ step: 4, steps: 4 });
  });
});

describe("durations", () => {
  it.each([
    [400, "<1s"],
    [42_000, "42s"],
    [185_000, "3m 05s"],
    [3_720_000, "1h 02m"],
  ])("%i ms reads %s", (milliseconds, text) => {
    expect(formatDuration(milliseconds)).toBe(text);
  });
});
