"""kill -9 with 20 stores mid-provision, then a new orchestrator: every store converges, with
exactly one namespace each and none left over. The baseline is the same 20 stores provisioned
without a crash, in the same run."""

from __future__ import annotations

import time
from typing import Any

import httpx

from bench.platform import Platform, running_platform
from harness.stores import wait_for_status

STORES = 20
# Workloads take this long to turn ready, so the crash lands while stores are provisioning.
READY_AFTER = 3.0


def run() -> dict[str, Any]:
    clean = _provision(crash=False)
    crashed = _provision(crash=True)
    return {
        "stores": STORES,
        "clean_all_ready_seconds": clean["seconds"],
        "crash_all_ready_seconds": crashed["seconds"],
        "ratio": round(crashed["seconds"] / clean["seconds"], 3),
        "provisioning_at_kill": crashed["provisioning_at_kill"],
        "orphan_namespaces": crashed["orphans"],
        "stores_without_namespace": crashed["missing"],
        "target_orphans": 0,
    }


def _provision(crash: bool) -> dict[str, Any]:
    # A short lease, so the restarted orchestrator takes over the dead one's stores quickly.
    with (
        running_platform(ready_after=READY_AFTER, lease_seconds="3") as platform,
        platform.client() as client,
    ):
        started = time.perf_counter()
        stores = [
            client.post("/stores", json={"store_name": f"crash{i}"}).json() for i in range(STORES)
        ]
        provisioning = 0
        if crash:
            time.sleep(2.0)
            provisioning = _count(client, "Provisioning")
            platform.kill_and_restart()
            client = platform.client()
        for store in stores:
            wait_for_status(client, store["id"], "Ready", timeout=600)
        seconds = time.perf_counter() - started
        orphans, missing = _audit(platform, stores)
    return {
        "seconds": round(seconds, 2),
        "provisioning_at_kill": provisioning,
        "orphans": orphans,
        "missing": missing,
    }


def _count(client: httpx.Client, status: str) -> int:
    total: int = client.get("/stores", params={"status": status, "limit": 1}).json()["total"]
    return total


def _audit(platform: Platform, stores: list[dict[str, Any]]) -> tuple[int, int]:
    """Namespaces no store owns, and stores whose namespace is missing."""
    namespaces = {name for name in platform.namespaces() if name.startswith("crash")}
    expected = {store["namespace"] for store in stores}
    return len(namespaces - expected), len(expected - namespaces)
