"""The open watch streams, and what a test can make them do: expire (the history is compacted
and every stream ends, so resuming from an old resourceVersion answers 410 Expired, as after
etcd compaction), or drop (every connection is cut in the middle of a line, as when a load
balancer or the API server goes away). Thread-safe: tests call it from their own thread."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from typing import Literal

from kube_standin.store import Change, Store

# What a watch stream takes from its queue: a change to send, or an order to end.
Order = Literal["end", "drop"]
Item = Change | Order


class Watches:
    def __init__(self, store: Store, bookmark_seconds: float = 60.0) -> None:
        self.store = store
        # How often a watch that asked for bookmarks (allowWatchBookmarks) gets one while
        # nothing else happens; the API server sends them about once a minute.
        self.bookmark_seconds = bookmark_seconds
        self._lock = threading.Lock()
        self._open: dict[asyncio.Queue[Item], asyncio.AbstractEventLoop] = {}

    @property
    def open(self) -> int:
        """How many watch streams are open."""
        with self._lock:
            return len(self._open)

    def expire(self) -> None:
        """Compact the history and end every stream: clients must relist."""
        self.store.compact()
        self._order("end")

    def drop(self) -> None:
        """Cut every stream's connection in the middle of a line."""
        self._order("drop")

    def end_all(self) -> None:
        """End every stream cleanly (the server is shutting down)."""
        self._order("end")

    def add(self, queue: asyncio.Queue[Item]) -> None:
        with self._lock:
            self._open[queue] = asyncio.get_running_loop()

    def discard(self, queue: asyncio.Queue[Item]) -> None:
        with self._lock:
            self._open.pop(queue, None)

    def _order(self, order: Order) -> None:
        with self._lock:
            streams = list(self._open.items())
        for queue, loop in streams:
            with contextlib.suppress(RuntimeError):  # that loop is closing
                loop.call_soon_threadsafe(queue.put_nowait, order)
