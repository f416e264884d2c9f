"""Fleet rollouts (POST /rollouts): waves, halting on failures, pinned stores, pause, resume,
abort, and a restart in the middle. The real application, reconciler, helm binary and store
chart against the Kubernetes API stand-in, on PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest

from harness.app import RunningApp, running_app
from kube_standin import KubeStandin
from orchestrator.config import Settings
from tests.orchestrator.fleet_support import fleet_settings, wordpress_container
from tests.orchestrator.lifecycle_support import wait_for_status

Rollout = dict[str, Any]


@pytest.fixture
def settings_for(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> Callable[..., Settings]:
    def build(**overrides: Any) -> Settings:
        helm = overrides.pop("helm_bin", helm_bin)
        return fleet_settings(postgres_database, tmp_path, kube_standin, helm, **overrides)

    return build


@pytest.fixture
async def api(settings_for: Callable[..., Settings]) -> AsyncIterator[RunningApp]:
    async with running_app(settings_for()) as running:
        yield running


async def ready_stores(api: RunningApp, names: list[str]) -> dict[str, dict[str, Any]]:
    """Stores created in this order (a rollout takes the oldest first), all Ready."""
    ids = {}
    for name in names:
        created = await api.client.post("/stores", json={"store_name": name})
        assert created.status_code == 202, created.text
        ids[name] = created.json()["id"]
    return {name: await wait_for_status(api.client, ids[name], "Ready", 90) for name in names}


async def wait_for_rollout(
    api: RunningApp, rollout_id: str, until: Any, timeout: float = 90.0
) -> Rollout:
    deadline = time.monotonic() + timeout
    rollout: Rollout = {}
    while time.monotonic() < deadline:
        response = await api.client.get(f"/rollouts/{rollout_id}")
        response.raise_for_status()
        rollout = response.json()
        if until(rollout):
            return rollout
        await asyncio.sleep(0.1)
    raise AssertionError(f"rollout never got there within {timeout}s; last seen: {rollout}")


def states(rollout: Rollout) -> dict[str, str]:
    return {entry["store_name"]: entry["state"] for entry in rollout["stores"]}


async def test_a_rollout_halts_after_the_wave_that_fails_and_skips_pinned_stores(
    api: RunningApp, kube_standin: KubeStandin
) -> None:
    names = [f"r{number:02d}" for number in range(20)]
    # The new version never becomes ready in two stores of the second wave.
    for failing in ("r02", "r03"):
        kube_standin.kubelet.fail(
            "Deployment",
            "CrashLoopBackOff",
            namespace_prefix=f"{failing}-",
            image_contains=":7.2.0",
        )
    stores = await ready_stores(api, names)
    for pinned in ("r05", "r15"):
        response = await api.client.patch(f"/stores/{stores[pinned]['id']}", json={"pinned": True})
        assert response.status_code == 200

    started = await api.client.post(
        "/rollouts",
        json={
            "target_version": "v2",
            "selector": {"environment": "local"},
            "waves": [1, 4, 8],
            "max_failure_ratio": 0.25,
        },
    )
    assert started.status_code == 202, started.text
    rollout = started.json()
    assert rollout["status"] == "Running"
    assert rollout["wave_count"] == 4  # 18 upgradable stores: 1, 4, 8 and the rest (5)
    assert rollout["counts"]["skipped_pinned"] == 2
    again = await api.client.post(
        "/rollouts", json={"target_version": "v2", "selector": {"plan": "small"}}
    )
    assert again.status_code == 409

    halted = await wait_for_rollout(api, rollout["id"], lambda r: r["status"] != "Running")
    assert halted["status"] == "Halted", halted
    assert halted["status_reason"] == (
        "halted after wave 2: 2 of 4 upgrades failed (50% > 25% allowed); "
        "later waves were not started"
    )
    by_name = states(halted)
    assert by_name["r00"] == "succeeded"  # the canary
    assert [by_name[name] for name in ("r01", "r02", "r03", "r04")] == [
        "succeeded",
        "failed",
        "failed",
        "succeeded",
    ]
    assert by_name["r05"] == by_name["r15"] == "skipped-pinned"
    untouched = [n for n in names[6:] if n != "r15"]
    assert {by_name[name] for name in untouched} == {"pending"}
    failed_entry = next(e for e in halted["stores"] if e["store_name"] == "r02")
    rolled_back = "rolled back to plan small, version v1 (what revision 1 served)"
    assert rolled_back in failed_entry["message"]

    listed = {
        s["store_name"]: s for s in (await api.client.get("/stores?limit=50")).json()["items"]
    }
    for name in ("r00", "r01", "r04"):
        assert (listed[name]["status"], listed[name]["version"]) == ("Ready", "v2")
    for name in ("r02", "r03"):
        assert (listed[name]["status"], listed[name]["version"]) == ("Failed", "v1")
    for name in [*untouched, "r05", "r15"]:
        assert (listed[name]["status"], listed[name]["version"]) == ("Ready", "v1"), name
        assert wordpress_container(kube_standin, listed[name]["namespace"])["image"].endswith(
            "7.1.2-php8.3-apache-wc11.2.0"
        )

    aborted = await api.client.post(f"/rollouts/{rollout['id']}/abort")
    assert aborted.json()["status"] == "Aborted"
    refused = await api.client.post(f"/rollouts/{rollout['id']}/resume")
    assert refused.status_code == 409
    assert refused.json()["error"] == "invalid_state"
    listing = (await api.client.get("/rollouts")).json()
    assert [item["id"] for item in listing["items"]] == [rollout["id"]]
    assert listing["items"][0]["counts"] == {
        "pending": 13,
        "upgrading": 0,
        "succeeded": 3,
        "failed": 2,
        "skipped_pinned": 2,
    }
    metrics = (await api.client.get("/metrics")).text
    assert "woo_rollouts_in_progress 0.0" in metrics
    assert "woo_store_upgrades_failed_total 2.0" in metrics


async def test_pause_survives_a_restart_and_resume_finishes(
    settings_for: Any, kube_standin: KubeStandin
) -> None:
    settings = settings_for()
    async with running_app(settings) as first:
        stores = await ready_stores(first, ["p1", "p2", "p3"])
        ids = [store["id"] for store in stores.values()]
        started = await first.client.post(
            "/rollouts",
            json={"target_version": "v2", "selector": {"store_ids": ids}, "waves": [1]},
        )
        rollout_id = started.json()["id"]
        paused = await first.client.post(f"/rollouts/{rollout_id}/pause")
        assert paused.json()["status"] == "Paused"
        # The canary's upgrade, under way or not yet asked for, is all that may happen.
        await asyncio.sleep(1.0)
        metrics = (await first.client.get("/metrics")).text
        assert "woo_rollouts_in_progress 1.0" in metrics

    async with running_app(settings) as second:
        rollout = (await second.client.get(f"/rollouts/{rollout_id}")).json()
        assert rollout["status"] == "Paused"
        assert states(rollout)["p3"] == "pending"
        resumed = await second.client.post(f"/rollouts/{rollout_id}/resume")
        assert resumed.json()["status"] == "Running"
        done = await wait_for_rollout(second, rollout_id, lambda r: r["status"] != "Running")
        assert done["status"] == "Succeeded", done
        assert set(states(done).values()) == {"succeeded"}
        assert done["status_reason"] == "3 stores at v2, 0 failed, 0 pinned"
        for store_id in ids:
            store = (await second.client.get(f"/stores/{store_id}")).json()
            assert (store["status"], store["version"]) == ("Ready", "v2")


async def test_bad_rollouts_are_refused(api: RunningApp) -> None:
    cases = [
        ({"target_version": "v9", "selector": {"plan": "small"}}, 422),
        ({"target_version": "v2", "selector": {}}, 422),
        ({"target_version": "v2", "selector": {"plan": "huge"}}, 422),
        ({"target_version": "v2", "selector": {"store_ids": ["nope"]}}, 422),
        ({"target_version": "v2", "selector": {"plan": "small"}, "waves": [0]}, 422),
        ({"target_version": "v2", "selector": {"plan": "small"}, "max_failure_ratio": 2}, 422),
        ({"target_version": "v2", "selector": {"plan": "small"}}, 409),  # no store matches
    ]
    for body, status in cases:
        response = await api.client.post("/rollouts", json=body)
        assert response.status_code == status, (body, response.text)
        assert set(response.json()) >= {"error", "detail"}
    assert (await api.client.get("/rollouts/nope")).status_code == 404
    assert (await api.client.get("/rollouts")).json()["total"] == 0
