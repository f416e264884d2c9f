"""``woo stores create --plan``, ``woo stores update`` and ``woo rollouts ...`` against a
running platform (its own process, real HTTP, PostgreSQL, helm and the stand-in): output forms
and exit codes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.orchestrator import orchestrator_process
from harness.postgres import temporary_database
from harness.tokens import ADMIN_TOKEN
from kube_standin import KubeStandin
from tests.cli.conftest import Run, cli_environment, run_woo
from tests.orchestrator.fleet_support import VERSIONS


@pytest.fixture
def fleet(kube_standin: KubeStandin, helm_bin: Path, tmp_path: Path) -> Iterator[dict[str, str]]:
    """The platform with versions v1 (default) and v2, upgrades rolled back after 3 s; yields
    the environment `woo` runs in."""
    versions = tmp_path / "versions.yaml"
    versions.write_text(VERSIONS)
    with temporary_database("woo_cli_fleet") as database:
        process = orchestrator_process(
            database.url,
            kube_standin.kubeconfig,
            helm_bin,
            tmp_path,
            readiness_poll_seconds="0.3",
            backoff_initial_seconds="0.2",
            helm_timeout_seconds="60",
            log_level="warning",
            versions_file=str(versions),
            upgrade_ready_deadline_seconds="3",
            rollout_interval_seconds="0.2",
        )
        process.start()
        try:
            yield cli_environment(tmp_path, WOO_URL=process.url, WOO_TOKEN=ADMIN_TOKEN)
        finally:
            process.stop()


def test_plans_versions_and_rollouts_from_the_command_line(
    fleet: dict[str, str], kube_standin: KubeStandin
) -> None:
    def woo(*args: str) -> Run:
        return run_woo(fleet, *args, timeout=120)

    stores = []
    for name in ("alpha", "beta", "gamma"):
        created = woo("stores", "create", name, "--plan", "small", "--wait", "-o", "json")
        assert created.code == 0, created.stderr
        assert (created.json()["plan"], created.json()["version"]) == ("small", "v1")
        stores.append(created.json())
    alpha, beta, gamma = (store["id"] for store in stores)

    unknown = woo("stores", "create", "delta", "--plan", "huge")
    assert unknown.code == 4
    assert "unknown plan 'huge'" in unknown.stderr
    assert woo("stores", "update", alpha).code == 2
    unknown_plan = woo("stores", "update", alpha, "--plan", "huge")
    assert unknown_plan.code == 4
    assert "unknown plan 'huge'" in unknown_plan.stderr

    pinned = woo("stores", "update", gamma, "--pin", "-o", "json")
    assert pinned.code == 0, pinned.stderr
    assert pinned.json()["pinned"] is True

    done = woo(
        "rollouts", "start", "v2", "--environment", "local", "--waves", "1,1", "--wait", "-o",
        "json",
    )  # fmt: skip
    assert done.code == 0, done.stderr
    rollout = done.json()
    assert rollout["status"] == "Succeeded"
    assert {s["store_name"]: s["state"] for s in rollout["stores"]} == {
        "alpha": "succeeded",
        "beta": "succeeded",
        "gamma": "skipped-pinned",
    }
    listed = woo("rollouts", "list", "-o", "json")
    assert [item["id"] for item in listed.json()] == [rollout["id"]]
    table = woo("rollouts", "status", rollout["id"])
    assert table.code == 0
    lines = table.stdout.splitlines()
    assert lines[0].split()[:3] == ["ID", "VERSION", "STATUS"]
    assert lines[1].split()[:3] == [rollout["id"], "v2", "Succeeded"]
    assert "skipped-pinned" in table.stdout
    assert woo("rollouts", "pause", rollout["id"]).code == 4
    assert woo("rollouts", "status", "no-such-rollout").code == 3

    # Back to v1 for alpha, then a v2 that never becomes ready there: the rollout halts.
    back = woo("stores", "update", alpha, "--version", "v1", "--wait", "-o", "json")
    assert back.code == 0, back.stderr
    assert back.json()["version"] == "v1"
    namespace = stores[0]["namespace"]
    kube_standin.kubelet.fail(
        "Deployment", "CrashLoopBackOff", namespace_prefix=namespace, image_contains=":7.2.0"
    )
    halted = woo("rollouts", "start", "v2", "--store", alpha, "--wait", "-o", "json")
    assert halted.code == 7, halted.stderr
    assert halted.json()["status"] == "Halted"
    assert "is Halted: halted after wave 1 (canary)" in halted.stderr
    failed = woo("stores", "get", alpha, "-o", "json").json()
    assert (failed["status"], failed["version"]) == ("Failed", "v1")
    assert woo("stores", "get", beta, "-o", "json").json()["version"] == "v2"
    aborted = woo("rollouts", "abort", halted.json()["id"], "-o", "json")
    assert aborted.code == 0
    assert aborted.json()["status"] == "Aborted"
