"""The stand-in's objects on disk, so a demo cluster outlives its process: demo mode keeps this
file beside the orchestrator's SQLite database, and the two live and die together.

Written atomically (temporary file, then rename), so a process killed mid-write leaves the last
complete snapshot behind."""

from __future__ import annotations

import json
import os
from pathlib import Path

from kube_standin.store import Store

FORMAT = 1


def save(store: Store, path: Path) -> None:
    data = {"format": FORMAT, **store.dump()}
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(data, separators=(",", ":")))
    os.replace(partial, path)


def load(store: Store, path: Path) -> None:
    """Restore `path` into `store`; ValueError names the file when it is not a snapshot."""
    try:
        data = json.loads(path.read_text())
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
        store.restore(data)
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"{path} is not a stand-in state file ({exc})") from None
