"""The rollout driver: a background loop in every replica that advances the rollouts that need
it. Rollouts live in PostgreSQL, so a restart (or another replica) carries on where the last
look left off.

While no rollout moves, the loop only looks every WOO_RESYNC_SECONDS (and when woken), so an
idle platform pays no query for it. One look at a rollout is one transaction that first claims
the rollout's row with ``SELECT ... FOR UPDATE SKIP LOCKED``: a replica that finds it claimed
skips it, so two replicas never act on one rollout at once, and every write of that look (the
rollout, its stores' progress, the upgrades it asks for) commits together or not at all.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.clock import Clock
from orchestrator.config import Settings
from orchestrator.rollouts.progress import advance
from orchestrator.rollouts.repository import RolloutRepository
from orchestrator.stores.repository import StoreRepository
from orchestrator.versions.service import StoreChangeService

log = logging.getLogger(__name__)


class RolloutDriver:
    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        clock: Clock,
        wake_reconciler: Callable[[], None],
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.clock = clock
        self.wake_reconciler = wake_reconciler
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="reconciler-rollouts")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        """Look now (a rollout was started or resumed)."""
        self._wake.set()

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                active = await self.advance_all()
            except Exception:
                log.exception("advancing rollouts failed")
                active = True
            # While a rollout moves, look often. Idle, a platform costs no query per interval:
            # a rollout started or resumed here wakes this loop, and one another replica was
            # driving when it died is picked up at the next look (every WOO_RESYNC_SECONDS).
            interval = (
                self.settings.rollout_interval_seconds if active else self.settings.resync_seconds
            )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(interval):
                    await self._wake.wait()

    async def advance_all(self) -> bool:
        """Advance every rollout that needs it; whether any did."""
        async with self.sessions() as session:
            ids = await RolloutRepository(session).needing_attention()
        started = 0
        for rollout_id in ids:
            started += await self._advance(rollout_id)
        if started:
            self.wake_reconciler()
        return bool(ids)

    async def _advance(self, rollout_id: str) -> int:
        # A cancellation (shutdown) lets the transaction finish, then takes effect: it never
        # leaves a half-written transaction holding its locks.
        task = asyncio.ensure_future(self._advance_in_transaction(rollout_id))
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await task
            raise

    async def _advance_in_transaction(self, rollout_id: str) -> int:
        async with self.sessions() as session, session.begin():
            repository = RolloutRepository(session)
            rollout = await repository.claim(rollout_id)
            if rollout is None:
                return 0  # another replica is looking at it
            changes = StoreChangeService(StoreRepository(session), self.settings, self.clock)
            before = (rollout.status, rollout.current_wave)
            progress = await advance(rollout, repository, changes, self.clock)
            if (rollout.status, rollout.current_wave) != before:
                log.info(
                    "rollout %s: %s, wave %d: %s",
                    rollout.id,
                    rollout.status,
                    rollout.current_wave,
                    rollout.status_reason,
                )
            return progress.started
