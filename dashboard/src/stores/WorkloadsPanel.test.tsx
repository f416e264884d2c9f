import { screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { Pod } from "../api/types";
import { fakeApi, json, makeEvent, makeStore } from "../test/fakeApi";
import { renderApp } from "../test/renderApp";

// The first look at a page renders the whole console; on a busy machine that takes a while.
const SLOW = { timeout: 5000 };

function pod(name: string, component: string, containers: string[], extra: Partial<Pod> = {}): Pod {
  return {
    name,
    component,
    phase: "Running",
    ready: true,
    restarts: 0,
    last_termination_reason: null,
    image: `${component}:1`,
    containers: containers.map((container) => ({
      name: container,
      image: `${component}:1`,
      ready: true,
      restarts: 0,
      state: "running",
      reason: null,
      last_termination_reason: null,
    })),
    created_at: new Date().toISOString(),
    ...extra,
  };
}

const WORKLOADS = {
  pods: [
    pod("store-mariadb-0", "mariadb", ["mariadb"]),
    pod("store-wordpress-abc", "wordpress", ["wordpress"], {
      ready: false,
      restarts: 4,
      last_termination_reason: "OOMKilled",
    }),
  ],
  warnings: [
    {
      reason: "BackOff",
      message: "Back-off restarting failed container",
      object: "Pod/store-wordpress-abc",
      count: 7,
      last_seen: new Date().toISOString(),
    },
  ],
};

function storeApi() {
  return fakeApi()
    .on("GET /stores/:id", () => json(200, makeStore({ status: "Degraded", status_reason: "CrashLoopBackOff" })))
    .on("GET /stores/:id/events", () => json(200, { items: [makeEvent()] }))
    .on("GET /stores/:id/workloads", () => json(200, WORKLOADS));
}

describe("workloads panel", () => {
  it("lists the pods with their phase, readiness, restarts and last termination", async () => {
    renderApp(storeApi(), "/stores/id-demo");
    const pods = await screen.findByRole("region", { name: "Pods" }, SLOW);
    const rows = within(pods).getAllByRole("row").slice(1);
    expect(rows.map((row) => row.textContent)).toEqual([
      expect.stringMatching(/store-mariadb-0.*mariadb.*Running.*yes.*0.*–.*mariadb:1/),
      expect.stringMatching(/store-wordpress-abc.*Running.*no.*4.*OOMKilled.*wordpress:1/),
    ]);
    expect(screen.getByText(/Back-off restarting failed container/)).toHaveTextContent(
      "BackOff on Pod/store-wordpress-abc (×7): Back-off restarting failed container",
    );
  });

  it("shows the chosen container's last lines", async () => {
    const api = storeApi().on("GET /stores/:id/logs", (request) => {
      const url = new URL(request.url);
      return json(200, {
        pod: url.searchParams.get("pod"),
        container: url.searchParams.get("container"),
        tail: Number(url.searchParams.get("tail")),
        previous: url.searchParams.get("previous") === "true",
        lines: ["GET / 500", "password=[redacted]"],
        truncated: false,
      });
    });
    const { user } = renderApp(api, "/stores/id-demo");
    await user.selectOptions(await screen.findByLabelText("Container", {}, SLOW), "store-wordpress-abc / wordpress");
    await user.selectOptions(screen.getByLabelText("Last lines"), "1000");
    await user.click(screen.getByLabelText("Before the last restart"));
    await user.click(screen.getByRole("button", { name: "Show log" }));

    const log = await screen.findByLabelText("Log of wordpress", {}, SLOW);
    expect(log.textContent).toBe("GET / 500\npassword=[redacted]");
    await waitFor(() => expect(api.requestsTo("GET /stores/id-demo/logs")).toHaveLength(1));
    const sent = new URL(api.requestsTo("GET /stores/id-demo/logs")[0]!.url).searchParams;
    expect(Object.fromEntries(sent)).toEqual({
      pod: "store-wordpress-abc",
      container: "wordpress",
      tail: "1000",
      previous: "true",
    });
    expect(screen.getByText(/the instance before the last restart/)).toBeInTheDocument();
  });

  it("says why the workloads could not be read", async () => {
    const api = storeApi().on("GET /stores/:id/workloads", () =>
      json(503, { error: "unavailable", detail: "the cluster did not answer" }),
    );
    renderApp(api, "/stores/id-demo");
    expect(await screen.findByText(/Could not read the workloads/, {}, SLOW)).toBeInTheDocument();
  });
});
