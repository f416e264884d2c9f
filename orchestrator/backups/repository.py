"""Every query on backups. Nothing here commits: the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.models import Backup, BackupKind, BackupStatus, Store, StoreStatus


class BackupRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, backup: Backup) -> None:
        self.session.add(backup)
        await self.session.flush()

    async def get(self, backup_id: str) -> Backup | None:
        return await self.session.get(Backup, backup_id)

    async def by_job(self, namespace: str, job_name: str) -> Backup | None:
        result = await self.session.execute(
            select(Backup).where(Backup.namespace == namespace, Backup.job_name == job_name)
        )
        return result.scalar_one_or_none()

    async def of_store(self, store_id: str, limit: int) -> Sequence[Backup]:
        """Newest first."""
        result = await self.session.execute(
            select(Backup)
            .where(Backup.store_id == store_id)
            .order_by(Backup.started_at.desc(), Backup.id.desc())
            .limit(limit)
        )
        return result.scalars().all()

    async def latest_succeeded(self, store_id: str) -> Backup | None:
        result = await self.session.execute(
            select(Backup)
            .where(Backup.store_id == store_id, Backup.status == BackupStatus.SUCCEEDED)
            .order_by(Backup.finished_at.desc(), Backup.id.desc())
            .limit(1)
        )
        return result.scalar_one_or_none()

    async def running(self, store_id: str, kinds: Collection[BackupKind]) -> Backup | None:
        result = await self.session.execute(
            select(Backup)
            .where(
                Backup.store_id == store_id,
                Backup.status == BackupStatus.RUNNING,
                Backup.kind.in_(list(kinds)),
            )
            .limit(1)
        )
        return result.scalar_one_or_none()

    async def last_success_by_store(
        self, store_ids: Collection[str] | None = None
    ) -> dict[str, datetime]:
        """When each store's last successful backup finished (stores without one are absent);
        all live stores when ``store_ids`` is None."""
        query = select(Backup.store_id, func.max(Backup.finished_at)).where(
            Backup.status == BackupStatus.SUCCEEDED
        )
        if store_ids is not None:
            if not store_ids:
                return {}
            query = query.where(Backup.store_id.in_(list(store_ids)))
        else:
            live = select(Store.id).where(Store.status != StoreStatus.DELETED)
            query = query.where(Backup.store_id.in_(live))
        result = await self.session.execute(query.group_by(Backup.store_id))
        return {store_id: finished for store_id, finished in result.all() if finished is not None}

    async def finish(
        self,
        backup: Backup,
        status: BackupStatus,
        *,
        at: datetime,
        reason: str | None = None,
        snapshot_id: str | None = None,
        size_bytes: int | None = None,
    ) -> bool:
        """Record a backup's end, once: False when it had already ended."""
        result = await self.session.execute(
            update(Backup)
            .where(Backup.id == backup.id, Backup.status == BackupStatus.RUNNING)
            .values(
                status=status,
                finished_at=at,
                reason=reason,
                snapshot_id=snapshot_id,
                size_bytes=size_bytes,
            )
            .execution_options(synchronize_session="fetch")
        )
        return bool(getattr(result, "rowcount", 0))

    async def stale_running(self, started_before: datetime) -> Sequence[Backup]:
        result = await self.session.execute(
            select(Backup).where(
                Backup.status == BackupStatus.RUNNING, Backup.started_at < started_before
            )
        )
        return result.scalars().all()

    async def without_expiry_of_deleted_stores(self) -> Sequence[tuple[Backup, datetime | None]]:
        """Backups whose store is Deleted (with when) or purged (None), not yet given an
        expiry date."""
        result = await self.session.execute(
            select(Backup, Store.deleted_at)
            .outerjoin(Store, Store.id == Backup.store_id)
            .where(Backup.expires_at.is_(None))
            .where((Store.id.is_(None)) | (Store.status == StoreStatus.DELETED))
        )
        return [(row[0], row[1]) for row in result.all()]

    async def expired(self, now: datetime) -> Sequence[Backup]:
        result = await self.session.execute(select(Backup).where(Backup.expires_at < now))
        return result.scalars().all()

    async def forget(self, backup_ids: Collection[str]) -> int:
        if not backup_ids:
            return 0
        result = await self.session.execute(delete(Backup).where(Backup.id.in_(list(backup_ids))))
        return int(getattr(result, "rowcount", 0) or 0)
