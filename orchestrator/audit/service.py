"""Reading the audit trail (it is written by orchestrator.audit.trail). Services never commit."""

from __future__ import annotations

from collections.abc import Sequence

from orchestrator.audit.repository import AuditRepository
from orchestrator.models import AuditRecord


class AuditService:
    def __init__(self, repository: AuditRepository) -> None:
        self.repository = repository

    async def page(
        self,
        *,
        store_id: str | None,
        token_name: str | None,
        action: str | None,
        limit: int,
        offset: int,
    ) -> tuple[Sequence[AuditRecord], int]:
        return await self.repository.page(
            store_id=store_id, token_name=token_name, action=action, limit=limit, offset=offset
        )
