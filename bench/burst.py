"""50 stores requested at once: wall time to all Ready against 50 bare helm installs run with
the same parallelism, and how fast POST answers while the reconciler is busy."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from bench.platform import percentile, running_platform
from harness.stores import wait_for_status

STORES = 50
PARALLELISM = 4


def run() -> dict[str, Any]:
    with (
        running_platform(max_concurrency=str(PARALLELISM)) as platform,
        platform.client() as client,
    ):
        post_seconds: list[float] = []
        started = time.perf_counter()
        ids = []
        for i in range(STORES):
            sent = time.perf_counter()
            response = client.post("/stores", json={"store_name": f"burst{i}"})
            post_seconds.append(time.perf_counter() - sent)
            response.raise_for_status()
            ids.append(response.json()["id"])
        for store_id in ids:
            wait_for_status(client, store_id, "Ready", timeout=600)
        orchestrated = time.perf_counter() - started
        rss = platform.rss_mib()

        started = time.perf_counter()
        with ThreadPoolExecutor(PARALLELISM) as pool:
            list(pool.map(platform.bare_helm_install, [f"burst{i}" for i in range(STORES)]))
        bare = time.perf_counter() - started
    return {
        "stores": STORES,
        "parallelism": PARALLELISM,
        "all_ready_seconds": round(orchestrated, 2),
        "bare_helm_seconds": round(bare, 2),
        "ratio": round(orchestrated / bare, 3),
        "target_ratio_at_most": 1.5,
        "post_p50_ms": round(percentile(post_seconds, 0.5) * 1000, 2),
        "post_p95_ms": round(percentile(post_seconds, 0.95) * 1000, 2),
        "target_post_p95_ms_below": 30,
        "orchestrator_rss_mib": round(rss, 1),
    }
