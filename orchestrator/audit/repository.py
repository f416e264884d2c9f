"""Every query on the audit trail. Nothing here commits: the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.models import AuditRecord


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, record: AuditRecord) -> None:
        self.session.add(record)
        await self.session.flush()

    async def page(
        self,
        *,
        store_id: str | None,
        token_name: str | None,
        action: str | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[AuditRecord], int]:
        """Records matching every given filter, newest first, and how many match in all."""
        conditions = []
        if store_id is not None:
            conditions.append(AuditRecord.store_id == store_id)
        if token_name is not None:
            conditions.append(AuditRecord.token_name == token_name)
        if action is not None:
            conditions.append(AuditRecord.action == action)
        where = and_(True, *conditions)
        total = await self.session.scalar(
            select(func.count()).select_from(AuditRecord).where(where)
        )
        rows = await self.session.scalars(
            select(AuditRecord)
            .where(where)
            .order_by(AuditRecord.at.desc(), AuditRecord.id.desc())
            .limit(limit)
            .offset(offset)
        )
        return rows.all(), int(total or 0)

    async def purge(self, before: datetime) -> int:
        result = await self.session.execute(delete(AuditRecord).where(AuditRecord.at < before))
        return int(result.rowcount)  # type: ignore[attr-defined]
