"""Every query on API tokens. Nothing here commits: the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.models import ApiToken


class TokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add_new(self, token: ApiToken) -> bool:
        """Insert a token as the transaction's first write; False when an active token already
        has its name (the unique index decides, so two racing creates cannot both win)."""
        self.session.add(token)
        try:
            await self.session.flush()
        except IntegrityError:
            await self.session.rollback()
            return False
        return True

    async def active_by_digest(self, digest: str) -> ApiToken | None:
        result = await self.session.execute(
            select(ApiToken).where(ApiToken.token_digest == digest, ApiToken.revoked_at.is_(None))
        )
        return result.scalar_one_or_none()

    async def all(self) -> Sequence[ApiToken]:
        result = await self.session.execute(
            select(ApiToken).order_by(ApiToken.created_at, ApiToken.id)
        )
        return result.scalars().all()

    async def revoke(self, name: str, now: datetime) -> ApiToken | None:
        """Revoke the active token with this name; None when there is none."""
        result = await self.session.execute(
            update(ApiToken)
            .where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
            .values(revoked_at=now)
            .returning(ApiToken)
            .execution_options(synchronize_session=False)
        )
        return result.scalar_one_or_none()
