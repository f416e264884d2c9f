import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Rollout, RolloutStore } from "../api/types";
import { fakeApi, json } from "../test/fakeApi";
import { renderApp } from "../test/renderApp";

function entry(name: string, wave: number, state: RolloutStore["state"], message: string | null = null): RolloutStore {
  return {
    store_id: `id-${name}`,
    store_name: name,
    wave,
    state,
    message,
    from_version: "2026.11",
    version: state === "succeeded" ? "2026.12" : "2026.11",
    updated_at: new Date().toISOString(),
  };
}

function makeRollout(overrides: Partial<Rollout> = {}): Rollout {
  return {
    id: "r-1",
    target_version: "2026.12",
    selector: { environment: "prod" },
    waves: [1, 2],
    wave_count: 2,
    max_failure_ratio: 0.25,
    status: "Halted",
    status_reason:
      "halted after wave 2: 1 of 2 upgrades failed (50% > 25% allowed); later waves were not started",
    current_wave: 2,
    counts: { pending: 0, upgrading: 0, succeeded: 2, failed: 1, skipped_pinned: 1 },
    created_by: "ops",
    created_at: new Date().toISOString(),
    updated_at: new Date().toISOString(),
    finished_at: null,
    stores: [
      entry("canary", 1, "succeeded", "upgraded to 2026.12"),
      entry("second", 2, "succeeded", "upgraded to 2026.12"),
      entry("broken", 2, "failed", "change of version 2026.11 -> 2026.12 failed: not ready within 600s; rolled back to plan small, version 2026.11 (what revision 1 served), now revision 3"),
      entry("frozen", 0, "skipped-pinned", "pinned"),
    ],
    ...overrides,
  };
}

describe("rollouts", () => {
  it("lists rollouts with their status, wave and stores", async () => {
    const rollout = makeRollout();
    const api = fakeApi().on("GET /rollouts", () =>
      json(200, { items: [{ ...rollout, stores: null }], total: 1, limit: 50, offset: 0 }),
    );
    const { user } = renderApp(api, "/");
    await user.click(await screen.findByRole("link", { name: "Rollouts" }));
    const row = await screen.findByRole("row", { name: /2026\.12/ });
    expect(within(row).getByText("Halted")).toHaveTextContent("✕Halted");
    expect(within(row).getByText("2 of 2")).toBeInTheDocument();
    expect(within(row).getByText("2 upgraded, 1 failed, 0 to go")).toBeInTheDocument();
    expect(within(row).getByRole("link", { name: "2026.12" })).toHaveAttribute("href", "/rollouts/r-1");
  });

  it("shows each wave's stores, why it halted, and the pinned stores it skipped", async () => {
    renderApp(fakeApi().on("GET /rollouts/:id", () => json(200, makeRollout())), "/rollouts/r-1");
    expect(await screen.findByRole("status")).toHaveTextContent(
      "Halted. halted after wave 2: 1 of 2 upgrades failed (50% > 25% allowed)",
    );
    const canary = screen.getByRole("region", { name: "Wave 1 (canary)" });
    expect(within(canary).getByRole("row", { name: /canary/ })).toHaveTextContent("succeeded");
    const second = screen.getByRole("region", { name: /Wave 2/ });
    const broken = within(second).getByRole("row", { name: /broken/ });
    expect(broken).toHaveTextContent("failed");
    expect(broken).toHaveTextContent("rolled back to plan small, version 2026.11");
    expect(within(broken).getByRole("link", { name: "broken" })).toHaveAttribute("href", "/stores/id-broken");
    const pinned = screen.getByRole("region", { name: "Pinned (skipped)" });
    expect(within(pinned).getByRole("row", { name: /frozen/ })).toHaveTextContent("skipped-pinned");
    // A halted rollout can be resumed or aborted, not paused.
    expect(screen.getByRole("button", { name: "Resume…" })).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Abort…" })).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Pause…" })).not.toBeInTheDocument();
  });

  it("pauses only after a confirmation, then offers resume", async () => {
    let rollout = makeRollout({ status: "Running", status_reason: "wave 2 upgrading" });
    const api = fakeApi()
      .on("GET /rollouts/:id", () => json(200, rollout))
      .on("GET /rollouts", () => json(200, { items: [], total: 0, limit: 50, offset: 0 }))
      .on("POST /rollouts/:id/pause", () => {
        rollout = { ...rollout, status: "Paused", status_reason: "paused at wave 2" };
        return json(200, rollout);
      });
    const { user } = renderApp(api, "/rollouts/r-1");

    await user.click(await screen.findByRole("button", { name: "Pause…" }));
    const dialog = screen.getByRole("dialog", { name: "Pause the rollout to 2026.12?" });
    expect(dialog).toHaveTextContent("No new upgrades start");
    await user.click(within(dialog).getByRole("button", { name: "Cancel" }));
    expect(api.requestsTo("POST /rollouts/r-1/pause")).toHaveLength(0);

    await user.click(screen.getByRole("button", { name: "Pause…" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Pause rollout" }));
    await waitFor(() => expect(screen.queryByRole("dialog")).not.toBeInTheDocument());
    expect(api.requestsTo("POST /rollouts/r-1/pause")).toHaveLength(1);
    expect(await screen.findByRole("button", { name: "Resume…" })).toBeInTheDocument();
    expect(screen.getByRole("status")).toHaveTextContent("Paused. paused at wave 2");
  });

  it("starts a rollout from the choices the summary confirms", async () => {
    const api = fakeApi()
      .on("GET /rollouts", () => json(200, { items: [], total: 0, limit: 50, offset: 0 }))
      .on("POST /rollouts", () => json(202, makeRollout({ status: "Running", status_reason: "wave 1 (canary) starting" })))
      .on("GET /rollouts/:id", () => json(200, makeRollout({ status: "Running", status_reason: "wave 1 (canary) upgrading" })));
    const { user } = renderApp(api, "/rollouts");
    await user.click(await screen.findByRole("button", { name: "Start a rollout…" }));
    const dialog = screen.getByRole("dialog", { name: "Start a rollout?" });
    const start = within(dialog).getByRole("button", { name: "Start rollout" });
    // No stores chosen yet: nothing can start.
    expect(start).toBeDisabled();
    await user.selectOptions(await within(dialog).findByLabelText("Version"), "2026.12");
    await user.selectOptions(within(dialog).getByLabelText("Environment"), "prod");
    const waves = within(dialog).getByLabelText("Waves");
    await user.clear(waves);
    await user.type(waves, "1, two");
    expect(dialog).toHaveTextContent("whole numbers from 1, separated by commas");
    expect(start).toBeDisabled();
    await user.clear(waves);
    await user.type(waves, "2, 10");
    const failures = within(dialog).getByLabelText("Failures allowed per wave (%)");
    await user.clear(failures);
    await user.type(failures, "10");
    expect(dialog).toHaveTextContent(
      "Upgrades prod stores to 2026.12 in waves of 2, 10, oldest stores first; pinned stores are skipped; it halts when more than 10% of a wave fails.",
    );
    expect(api.requestsTo("POST /rollouts")).toHaveLength(0);
    await user.click(start);

    expect(await screen.findByRole("heading", { name: /Rollout to 2026\.12/ })).toBeInTheDocument();
    const [sent] = api.requestsTo("POST /rollouts");
    expect(await sent?.json()).toEqual({
      target_version: "2026.12",
      selector: { environment: "prod" },
      waves: [2, 10],
      max_failure_ratio: 0.1,
    });
  });

  it("shows a refused abort in words", async () => {
    const api = fakeApi()
      .on("GET /rollouts/:id", () => json(200, makeRollout()))
      .on("POST /rollouts/:id/abort", () =>
        json(409, { error: "invalid_state", detail: "a Aborted rollout cannot be aborted" }),
      );
    const { user } = renderApp(api, "/rollouts/r-1");
    await user.click(await screen.findByRole("button", { name: "Abort…" }));
    await user.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Abort rollout" }));
    expect(await within(screen.getByRole("dialog")).findByText(/cannot be aborted/)).toBeInTheDocument();
  });
});
