"""Housekeeping: what the platform forgets on purpose, on a timer in every replica (each sweep
is one idempotent statement per kind, so replicas sweeping together do no harm).

* Idempotency-Keys older than ``WOO_IDEMPOTENCY_KEY_HOURS`` stop replaying and become reusable;
* Deleted stores older than ``WOO_DELETED_STORE_RETENTION_DAYS`` are purged with their events;
* audit records older than ``WOO_AUDIT_RETENTION_DAYS`` are purged;
* backups of deleted stores get their expiry date (deletion + ``WOO_BACKUP_GRACE_DAYS``) and are
  forgotten once it passed; the store's restic repository is then no longer used by the platform,
  and the log says which one to remove (docs/backups.md: the platform never deletes backup data
  itself);
* a backup still Running well past ``WOO_BACKUP_DEADLINE_SECONDS`` (its Job vanished unseen) is
  recorded Failed.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.audit.repository import AuditRepository
from orchestrator.backups.repository import BackupRepository
from orchestrator.clock import Clock
from orchestrator.config import Settings
from orchestrator.models import BackupStatus
from orchestrator.stores.repository import StoreRepository

# Beyond its deadline a backup Job is killed by the cluster; this long after, it has been seen.
STALE_MARGIN = timedelta(minutes=10)

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
        await self.sweep_backups()
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

    async def sweep_backups(self) -> None:
        now = self.clock.now()
        grace = timedelta(days=self.settings.backup_grace_days)
        async with self.sessions() as session:
            backups = BackupRepository(session)
            for backup, deleted_at in await backups.without_expiry_of_deleted_stores():
                backup.expires_at = (deleted_at or now) + grace
            deadline = timedelta(seconds=self.settings.backup_deadline_seconds) + STALE_MARGIN
            for backup in await backups.stale_running(now - deadline):
                await backups.finish(
                    backup,
                    BackupStatus.FAILED,
                    at=now,
                    reason="no result: the backup Job ended unseen or outlived its deadline",
                )
            expired = await backups.expired(now)
            for store_id in sorted({backup.store_id for backup in expired}):
                repository = (
                    self.settings.backup_repository(store_id)
                    if self.settings.backups_enabled
                    else f"<prefix>/{store_id}"
                )
                log.info(
                    "housekeeping: backups of deleted store %s expired and forgotten; its "
                    "restic repository %s is no longer used and may be removed",
                    store_id,
                    repository,
                )
            await backups.forget([backup.id for backup in expired])
            await session.commit()

    async def _loop(self) -> None:
        while True:
            try:
                await self.sweep()
            except DBAPIError as exc:
                log.warning("housekeeping skipped, database error: %s", type(exc.orig).__name__)
            await asyncio.sleep(self.settings.housekeeping_interval_seconds)
