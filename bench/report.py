"""bench/RESULTS.md, written from every bench/results/<name>.json: each figure next to its
baseline, ratio and target as the benchmark recorded them, with the machine's core count, the
load it was under, and when it was measured."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

HEADER = """# Benchmark results

Written by `python -m bench` from `bench/results/*.json` (do not edit by hand). Each benchmark
measures its own baseline in the same run; `target_*` figures are the goals from the design.
The machine is shared: the load average (1 minute, before and after the run) says how busy it
was while the numbers were taken.

Where POST time went during the 50-store burst (py-spy, 250 samples/s over 25 s of the burst,
2026-11-30): on the event loop, half the samples were in psycopg and SQLAlchemy (the passes'
statements, and the wake-ups the watches cause), and every request crossed into a worker thread
five times for FastAPI dependencies declared with plain `def`, each crossing waiting for the GIL
while helm and the reconciler kept both cores busy. The dependencies are now `async` and the
watches' wake-ups coalesced (0.2 s). Just before that change the benchmark measured POST p50
7.75 ms, p95 44.73 ms (16:39 UTC, load average 1.05 → 5.32); just after, p50 14.94 ms, p95
56.6 ms under a load average of 6.3 → 7.7 from other work on the machine: the < 30 ms target is
not met, and on this shared machine the change is not shown to help either way.
"""


def write(results: Path, destination: Path) -> None:
    sections = [HEADER]
    for path in sorted(results.glob("*.json")):
        sections.append(_section(path.stem, json.loads(path.read_text())))
    destination.write_text("\n".join(sections))


def _section(name: str, numbers: dict[str, Any]) -> str:
    machine = numbers.get("machine", {})
    lines = [
        f"## {name}",
        "",
        f"Measured {numbers.get('measured_at', 'at an unrecorded time')}"
        f" on {machine.get('cpus', '?')} cores (Python {machine.get('python', '?')}), load average"
        f" {machine.get('load_before', '?')} → {machine.get('load_after', '?')},"
        f" {numbers.get('benchmark_seconds', '?')} s in all.",
        "",
        "| Figure | Value |",
        "| --- | --- |",
    ]
    tables = []
    for key, value in numbers.items():
        if key in ("machine", "measured_at", "benchmark_seconds"):
            continue
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            tables.append(_table(key, value))
        elif isinstance(value, list):
            lines.append(f"| {key} | {', '.join(str(v) for v in value)} |")
        else:
            lines.append(f"| {key} | {value} |")
    return "\n".join([*lines, "", *tables])


def _table(title: str, rows: list[dict[str, Any]]) -> str:
    columns = list(rows[0])
    lines = [
        f"{title}:",
        "",
        "| " + " | ".join(columns) + " |",
        "| " + " | ".join("---" for _ in columns) + " |",
    ]
    lines += ["| " + " | ".join(str(row.get(c, "")) for c in columns) + " |" for row in rows]
    return "\n".join([*lines, ""])
