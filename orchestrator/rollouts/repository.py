"""Every query of fleet rollouts. The repository never commits."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.models import (
    DesiredState,
    Rollout,
    RolloutStatus,
    RolloutStore,
    RolloutStoreState,
    Store,
    StoreStatus,
)

IN_PROGRESS = (RolloutStatus.RUNNING, RolloutStatus.PAUSED)


class RolloutRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, rollout: Rollout, entries: list[RolloutStore]) -> None:
        self.session.add(rollout)
        await self.session.flush()
        self.session.add_all(entries)
        await self.session.flush()

    async def get(self, rollout_id: str) -> Rollout | None:
        return await self.session.get(Rollout, rollout_id)

    async def claim(self, rollout_id: str) -> Rollout | None:
        """The rollout, locked for this transaction; None when another replica holds it."""
        query = (
            select(Rollout)
            .where(Rollout.id == rollout_id)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        )
        return (await self.session.execute(query)).scalar_one_or_none()

    async def page(self, *, limit: int, offset: int) -> tuple[Sequence[Rollout], int]:
        total = (await self.session.execute(select(func.count()).select_from(Rollout))).scalar()
        query = (
            select(Rollout)
            .order_by(Rollout.created_at.desc(), Rollout.id)
            .limit(limit)
            .offset(offset)
        )
        return (await self.session.execute(query)).scalars().all(), int(total or 0)

    async def entries(
        self, rollout_id: str, *, lock_stores: bool = False
    ) -> list[tuple[RolloutStore, Store]]:
        """Each store of the rollout with the store, in rollout order."""
        query = (
            select(RolloutStore, Store)
            .join(Store, Store.id == RolloutStore.store_id)
            .where(RolloutStore.rollout_id == rollout_id)
            .order_by(RolloutStore.position)
            .execution_options(populate_existing=True)
        )
        if lock_stores:
            # Stores are changed in this transaction: a DELETE racing it waits, then sees it.
            query = query.with_for_update(of=Store)
        rows = (await self.session.execute(query)).all()
        return [(entry, store) for entry, store in rows]

    async def counts(self, rollout_ids: Sequence[str]) -> dict[str, dict[RolloutStoreState, int]]:
        if not rollout_ids:
            return {}
        query = (
            select(RolloutStore.rollout_id, RolloutStore.state, func.count())
            .where(RolloutStore.rollout_id.in_(rollout_ids))
            .group_by(RolloutStore.rollout_id, RolloutStore.state)
        )
        counts: dict[str, dict[RolloutStoreState, int]] = {}
        for rollout_id, state, count in (await self.session.execute(query)).all():
            counts.setdefault(rollout_id, {})[RolloutStoreState(state)] = int(count)
        return counts

    async def needing_attention(self) -> list[str]:
        """Rollouts a driver must look at: in progress, or stopped with upgrades under way."""
        following = select(RolloutStore.rollout_id).where(
            RolloutStore.state == RolloutStoreState.UPGRADING
        )
        query = (
            select(Rollout.id)
            .where(Rollout.status.in_(IN_PROGRESS) | Rollout.id.in_(following))
            .order_by(Rollout.created_at)
        )
        return list((await self.session.execute(query)).scalars().all())

    async def in_progress(self) -> Rollout | None:
        query = select(Rollout).where(Rollout.status.in_(IN_PROGRESS)).limit(1)
        return (await self.session.execute(query)).scalar_one_or_none()

    async def count_in_progress(self) -> int:
        query = select(func.count()).select_from(Rollout).where(Rollout.status.in_(IN_PROGRESS))
        return int((await self.session.execute(query)).scalar() or 0)

    async def matching_stores(
        self, *, environment: str | None, plan: str | None, store_ids: list[str] | None
    ) -> Sequence[Store]:
        """Live stores (not deleted, not being deleted) the selector names, oldest first."""
        query = select(Store).where(
            Store.status != StoreStatus.DELETED, Store.desired_state == DesiredState.PRESENT
        )
        if environment is not None:
            query = query.where(Store.environment == environment)
        if plan is not None:
            query = query.where(Store.plan == plan)
        if store_ids is not None:
            query = query.where(Store.id.in_(store_ids))
        query = query.order_by(Store.created_at, Store.id)
        return (await self.session.execute(query)).scalars().all()
