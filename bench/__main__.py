"""``python -m bench [overhead|burst|listing|restart|scale ...]``: run benchmarks, print each
one's numbers and ratios, write them to bench/results/<name>.json, and write bench/RESULTS.md
from every result there."""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import burst, listing, overhead, report, restart, scale

BENCHMARKS: dict[str, Callable[[], dict[str, Any]]] = {
    "overhead": overhead.run,
    "burst": burst.run,
    "listing": listing.run,
    "restart": restart.run,
    "scale": scale.run,
}
HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    # argparse checks a `*` positional's default against the choices as one value, so none
    # given is the empty list (a choice of its own), meaning every benchmark.
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], default=[])
    args = parser.parse_args()
    names = args.names or list(BENCHMARKS)
    logging.basicConfig(level=logging.WARNING)
    RESULTS.mkdir(exist_ok=True)
    for name in names:
        started = time.perf_counter()
        load_before = os.getloadavg()[0]
        numbers = BENCHMARKS[name]()
        numbers["benchmark_seconds"] = round(time.perf_counter() - started, 1)
        numbers["measured_at"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        numbers["machine"] = {
            "cpus": os.cpu_count() or 0,
            "python": platform.python_version(),
            "load_before": round(load_before, 2),
            "load_after": round(os.getloadavg()[0], 2),
        }
        (RESULTS / f"{name}.json").write_text(json.dumps(numbers, indent=2) + "\n")
        print(
            f"{name}: "
            + ", ".join(f"{k}={v}" for k, v in numbers.items() if not isinstance(v, list | dict))
        )
    report.write(RESULTS, HERE / "RESULTS.md")


if __name__ == "__main__":
    main()
