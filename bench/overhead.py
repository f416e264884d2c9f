"""Orchestrator overhead: POST /stores -> Ready, against a bare `helm upgrade --install --wait`
of the same chart (what an operator would do by hand), one store at a time. The orchestrator
runs its helm niced (orchestrator.helm.runner); on a machine shared with other work that alone
makes it slower than the baseline, so the baseline is also measured at the same niceness and
that ratio shown beside (``ratio_same_niceness``)."""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.platform import running_platform
from harness.stores import wait_for_status

ROUNDS = 8


def run() -> dict[str, Any]:
    orchestrated: list[float] = []
    bare: list[float] = []
    niced: list[float] = []
    with running_platform(max_concurrency="4") as platform, platform.client() as client:
        # Interleaved, so drift on a shared machine hits both sides alike.
        for i in range(ROUNDS):
            started = time.perf_counter()
            response = client.post("/stores", json={"store_name": f"over{i}"})
            response.raise_for_status()
            wait_for_status(client, response.json()["id"], "Ready")
            orchestrated.append(time.perf_counter() - started)

            started = time.perf_counter()
            platform.bare_helm_install(f"over{i}")
            bare.append(time.perf_counter() - started)

            started = time.perf_counter()
            platform.bare_helm_install(f"niced{i}", niced=True)
            niced.append(time.perf_counter() - started)
    median_orchestrated = statistics.median(orchestrated)
    median_bare = statistics.median(bare)
    median_niced = statistics.median(niced)
    return {
        "rounds": ROUNDS,
        "post_to_ready_seconds_median": round(median_orchestrated, 3),
        "bare_helm_seconds_median": round(median_bare, 3),
        "ratio": round(median_orchestrated / median_bare, 3),
        "target_ratio_at_most": 1.3,
        "bare_helm_same_niceness_seconds_median": round(median_niced, 3),
        "ratio_same_niceness": round(median_orchestrated / median_niced, 3),
        "post_to_ready_seconds": [round(v, 3) for v in orchestrated],
        "bare_helm_seconds": [round(v, 3) for v in bare],
        "bare_helm_same_niceness_seconds": [round(v, 3) for v in niced],
    }
