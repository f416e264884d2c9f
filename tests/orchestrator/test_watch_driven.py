"""The reconciler driven by the watch cache: a Ready store's crash is seen through the watch
(no resync, no polling), and idle Ready stores cost no Kubernetes API request and no database
write, counted at the stand-in's request log and by the statements the engine runs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine

from harness.app import running_app
from kube_standin import KubeStandin
from orchestrator.config import Settings
from tests.orchestrator.conftest import standin_settings
from tests.orchestrator.lifecycle_support import events, wait_for_status, wait_for_store
from tests.orchestrator.manual_clock import ManualClock


def settings(database_url: str, tmp_path: Path, kube: KubeStandin, helm_bin: Path) -> Settings:
    return standin_settings(
        database_url,
        tmp_path,
        kube,
        helm_bin,
        # The safety net never runs within these tests: what happens, the watch did.
        resync_seconds=3600,
    )


def store(name: str) -> dict[str, str]:
    return {"store_name": name, "domain": f"{name}.localhost", "environment": "local"}


@pytest.fixture
def statements() -> Iterator[list[tuple[str, Any]]]:
    """Every SQL statement run in this process while the test runs, with its parameters."""
    seen: list[tuple[str, Any]] = []

    def record(conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        seen.append((statement, parameters))

    event.listen(Engine, "before_cursor_execute", record)
    yield seen
    event.remove(Engine, "before_cursor_execute", record)


def polls(kube: KubeStandin, since: int) -> list[str]:
    """API requests after the first ``since`` that are not watches."""
    return [
        f"{r.method} {r.path}?{r.query}"
        for r in kube.requests[since:]
        if "watch=true" not in r.query
    ]


async def test_a_crash_in_a_ready_store_turns_it_degraded_through_the_watch(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> None:
    async with running_app(settings(postgres_database, tmp_path, kube_standin, helm_bin)) as api:
        created = (await api.client.post("/stores", json=store("demo"))).json()
        await wait_for_status(api.client, created["id"], "Ready")
        ready_at = len(kube_standin.requests)

        kube_standin.kubelet.fail("Deployment", "CrashLoopBackOff")
        degraded = await wait_for_status(api.client, created["id"], "Degraded", timeout=10)
        assert degraded["status_reason"].startswith("CrashLoopBackOff: pod store-wordpress-")
        assert polls(kube_standin, ready_at) == []

        kube_standin.kubelet.heal()
        await wait_for_status(api.client, created["id"], "Ready", timeout=10)
        timeline = [(e["step"], e["outcome"]) for e in await events(api.client, created["id"])]
        # Degraded, an automatic repair scheduled (WOO_REPAIR_BACKOFF_SECONDS away), healthy.
        assert timeline[-3:] == [
            ("health", "degraded"),
            ("health", "waiting"),
            ("health", "succeeded"),
        ]


async def test_idle_ready_stores_cost_no_api_request_and_no_database_write(
    postgres_database: str,
    tmp_path: Path,
    kube_standin: KubeStandin,
    helm_bin: Path,
    statements: list[tuple[str, Any]],
) -> None:
    clock = ManualClock()
    async with running_app(
        settings(postgres_database, tmp_path, kube_standin, helm_bin), clock
    ) as api:
        ids = []
        for name in ("north", "south", "east"):
            ids.append((await api.client.post("/stores", json=store(name))).json()["id"])
        for store_id in ids:
            await wait_for_status(api.client, store_id, "Ready")
        # Let the last changes of the rollouts pass through the watches.
        await asyncio.sleep(1.0)

        requests_before, statements_before = len(kube_standin.requests), len(statements)
        # A minute of the platform's time passes in three seconds: anything scheduled per
        # store (a due time, a periodic check) would come round in it.
        for _ in range(30):
            clock.advance(2)
            await asyncio.sleep(0.1)
        window = statements[statements_before:]
        requests = kube_standin.requests[requests_before:]

    assert requests == []
    written = [
        s for s, _ in window if s.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))
    ]
    assert written == []
    about_a_store = [s for s, p in window if any(store_id in str(p) for store_id in ids)]
    assert about_a_store == []
    # What remains is the dispatch loop asking whether anything is due, which reads the
    # partial index of stores that need work, whatever the number of Ready stores.
    assert window and all("next_attempt_at" in s for s, _ in window)


async def test_the_reason_a_store_is_blocked_arrives_through_the_watch(
    postgres_database: str, tmp_path: Path, kube_standin: KubeStandin, helm_bin: Path
) -> None:
    clock = ManualClock()
    slow_polls = settings(postgres_database, tmp_path, kube_standin, helm_bin).model_copy(
        update={"readiness_poll_seconds": 60.0, "ready_deadline_seconds": 3600.0}
    )
    kube_standin.kubelet.mode = "hold"
    async with running_app(slow_polls, clock) as api:
        created = (await api.client.post("/stores", json=store("demo"))).json()
        await wait_for_store(
            api.client,
            created["id"],
            lambda s: "waiting for" in (s["status_reason"] or ""),
            what="waiting",
        )
        # Six minutes of waiting later, readiness is looked at only once a minute (polls back
        # off); only a change reported by the watch can bring the next look forward.
        for _ in range(180):
            clock.advance(2)
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.5)
        kube_standin.kubelet.fail("Deployment", "ImagePullBackOff")
        kube_standin.kubelet.mode = "ready"
        blocked = await wait_for_store(
            api.client,
            created["id"],
            lambda s: "ImagePullBackOff" in (s["status_reason"] or ""),
            timeout=10,
            what="ImagePullBackOff",
        )
        assert blocked["status"] == "Provisioning"
