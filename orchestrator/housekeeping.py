"""Housekeeping: what the platform forgets on purpose, on a timer in every replica (each sweep
is one idempotent statement per kind, so replicas sweeping together do no harm).

* Idempotency-Keys older than ``WOO_IDEMPOTENCY_KEY_HOURS`` stop replaying and become reusable;
* Deleted stores older than ``WOO_DELETED_STORE_RETENTION_DAYS`` are purged with their events;
* audit records older than ``WOO_AUDIT_RETENTION_DAYS`` are purged.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.audit.repository import AuditRepository
from orchestrator.clock import Clock
from orchestrator.config import Settings
from orchestrator.stores.repository import StoreRepository

log = logging.getLogger(__name__)


class Housekeeping:
    def __init__(
        self, settings: Settings, sessions: async_sessionmaker[AsyncSession], clock: Clock
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        # The platform's one clock: retention is measured like every other age.
        self.clock = clock
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="housekeeping")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)

    async def sweep(self) -> None:
        """One pass: expire keys, purge old Deleted stores and old audit records."""
        now = self.clock.now()
        async with self.sessions() as session:
            repository = StoreRepository(session)
            expired = await repository.expire_idempotency_keys(
                now - timedelta(hours=self.settings.idempotency_key_hours)
            )
            purged = await repository.purge_deleted(
                now - timedelta(days=self.settings.deleted_store_retention_days)
            )
            audit_purged = await AuditRepository(session).purge(
                now - timedelta(days=self.settings.audit_retention_days)
            )
            await session.commit()
        if expired or purged or audit_purged:
            log.info(
                "housekeeping: %d idempotency keys expired, %d stores and %d audit records purged",
                expired,
                purged,
                audit_purged,
            )

    async def _loop(self) -> None:
        while True:
            try:
                await self.sweep()
            except DBAPIError as exc:
                log.warning("housekeeping skipped, database error: %s", type(exc.orig).__name__)
            await asyncio.sleep(self.settings.housekeeping_interval_seconds)
