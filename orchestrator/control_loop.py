"""A second event loop, in a thread of its own, for the work that follows the cluster.

The API's loop answers requests; the reconciler's passes (ORM writes, readiness verdicts, the
watch cache's wake-ups) are bursts of CPU work that, on the same loop, make a request wait
until each burst ends. Measured on a 50-store burst, that put POSTs at 40 to 175 ms while the
first passes started, against 8 ms otherwise. On a loop of its own the reconciler still shares
the interpreter, but the interpreter hands the lock over every few milliseconds, so a request
waits for a slice of a burst, not for the whole of it.

Objects bound to a loop (database engines, HTTP clients, asyncio events) must be made and used
on one loop: what runs here is built here (``run``), and the API reaches it only through
methods that hop loops (``call_on``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")

# How long stop() waits for the thread; the loop's own work has been stopped before.
_JOIN_SECONDS = 10.0
# How long tasks cancelled by stop() get to finish (a transaction runs to its end first).
_CANCEL_SECONDS = 5.0


class ControlLoop:
    def __init__(self, name: str = "woo-control") -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._serve, name=name, daemon=True)
        # Names of tasks still running when the loop was stopped: work that did not end with
        # the component that started it (tests assert it stays empty).
        self.left_behind: list[str] = []

    def start(self) -> None:
        self._thread.start()

    async def run(self, work: Coroutine[Any, Any, T]) -> T:
        """Run ``work`` on this loop and wait for it from the caller's loop. Cancelling the
        caller cancels the work."""
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(work, self._loop))

    def stop(self) -> None:
        """Stop the loop and end its thread. Components must have been stopped first (through
        ``run``); a task still running is cancelled and named in ``left_behind``."""
        if not self._thread.is_alive():
            return
        with contextlib.suppress(RuntimeError):  # already closed
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(_JOIN_SECONDS)
        if self._thread.is_alive():
            log.error("the control loop did not stop within %.0f s", _JOIN_SECONDS)

    def _serve(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_forever()
        finally:
            self._cancel_leftovers()
            self._loop.run_until_complete(self._loop.shutdown_asyncgens())
            self._loop.run_until_complete(self._loop.shutdown_default_executor())
            self._loop.close()

    def _cancel_leftovers(self) -> None:
        leftovers = [task for task in asyncio.all_tasks(self._loop) if not task.done()]
        if not leftovers:
            return
        self.left_behind = sorted(task.get_name() for task in leftovers)
        log.warning("tasks still running when the control loop stopped: %s", self.left_behind)
        for task in leftovers:
            task.cancel()
        # A task stuck where cancelling cannot reach it (a statement waiting on a lock held
        # elsewhere) must not keep the process from ending: it is named and abandoned.
        _, stuck = self._loop.run_until_complete(asyncio.wait(leftovers, timeout=_CANCEL_SECONDS))
        if stuck:
            log.error(
                "tasks still running %.0f s after they were cancelled, abandoned: %s",
                _CANCEL_SECONDS,
                sorted(task.get_name() for task in stuck),
            )


def call_on(loop: asyncio.AbstractEventLoop | None, action: Callable[[], None]) -> None:
    """Do ``action`` on ``loop``: at once when called from it (or before it exists), else
    handed over to it. Handing over to a loop that has closed does nothing: whatever it ran
    has stopped, and its work was given back with it."""
    if loop is None or _running_loop() is loop:
        action()
        return
    with contextlib.suppress(RuntimeError):  # the loop is closed
        loop.call_soon_threadsafe(action)


def _running_loop() -> asyncio.AbstractEventLoop | None:
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
