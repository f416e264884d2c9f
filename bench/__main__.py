"""``python -m bench [overhead|burst|listing ...]``: run benchmarks, print each one's numbers and
ratios, and write them to bench/results/<name>.json."""

from __future__ import annotations

import argparse
import json
import logging
import platform
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench import burst, listing, overhead, restart, scale

BENCHMARKS: dict[str, Callable[[], dict[str, Any]]] = {
    "overhead": overhead.run,
    "burst": burst.run,
    "listing": listing.run,
    "restart": restart.run,
    "scale": scale.run,
}
RESULTS = Path(__file__).resolve().parent / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", choices=[*BENCHMARKS, []], default=list(BENCHMARKS))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    RESULTS.mkdir(exist_ok=True)
    for name in args.names:
        started = time.perf_counter()
        numbers = BENCHMARKS[name]()
        numbers["benchmark_seconds"] = round(time.perf_counter() - started, 1)
        numbers["machine"] = {"cpus": _cpus(), "python": platform.python_version()}
        (RESULTS / f"{name}.json").write_text(json.dumps(numbers, indent=2) + "\n")
        print(
            f"{name}: "
            + ", ".join(f"{k}={v}" for k, v in numbers.items() if not isinstance(v, list | dict))
        )


def _cpus() -> int:
    import os

    return os.cpu_count() or 0


if __name__ == "__main__":
    main()
