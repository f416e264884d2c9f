"""How ``woo`` prints: aligned tables for people (the default), JSON for scripts
(``--output json``, the API's objects unchanged)."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

Row = dict[str, Any]


@dataclass(frozen=True)
class Column:
    title: str
    value: Callable[[Row], Any]


def column(title: str, key: str) -> Column:
    return Column(title, lambda row: row.get(key))


def emit(
    data: Row | Sequence[Row],
    columns: Sequence[Column],
    output: str,
    stream: TextIO | None = None,
) -> None:
    """One object or a list of them, as a table or as JSON."""
    stream = stream or sys.stdout
    if output == "json":
        json.dump(data, stream, indent=2, sort_keys=True, default=str)
        stream.write("\n")
        return
    rows = [data] if isinstance(data, dict) else list(data)
    cells = [[_cell(col.value(row)) for col in columns] for row in rows]
    titles = [col.title for col in columns]
    widths = [max([len(t)] + [len(r[i]) for r in cells]) for i, t in enumerate(titles)]
    for line in [titles, *cells]:
        stream.write("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip())
        stream.write("\n")


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    # One line per row, whatever the value holds.
    return " ".join(str(value).split())
