"""Every query on stores and their events. Nothing here commits: the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, TextClause, and_, delete, func, or_, select, tuple_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.models import (
    NEEDS_WORK,
    DesiredState,
    Store,
    StoreEvent,
    StoreOrder,
    StoreStatus,
    utcnow,
)

_ORDER: dict[StoreOrder, tuple[Any, ...]] = {
    StoreOrder.NEWEST: (),
    StoreOrder.OLDEST: (Store.created_at.asc(), Store.id.asc()),
    StoreOrder.NAME: (Store.store_name.asc(),),
    StoreOrder.STATUS: (Store.status.asc(),),
}


@dataclass(frozen=True)
class Fence:
    """What a reconciler pass read when it started. A write succeeds only while all of it still
    holds, so a pass never overwrites a newer decision (a DELETE, a retry) or another replica."""

    store_id: str
    owner: str
    desired_state: DesiredState
    generation: int

    @classmethod
    def of(cls, store: Store) -> Fence:
        """The fence of a store as it was claimed."""
        assert store.lease_owner is not None
        return cls(store.id, store.lease_owner, store.desired_state, store.generation)


class StoreRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # --- API side -------------------------------------------------------------------------
    async def add_new(self, store: Store, *events: StoreEvent) -> bool:
        """Insert a store with its first events, as the first write of the transaction; False
        when a unique index refuses it (a live store holds its name or domain, or its
        Idempotency-Key was used). A refused flush leaves the session unusable, so the
        transaction, which holds nothing else yet, is rolled back for the caller to go on."""
        self.session.add(store)
        self.session.add_all(events)
        try:
            await self.session.flush()
        except IntegrityError:
            await self.session.rollback()
            return False
        return True

    async def get(self, store_id: str) -> Store | None:
        return await self.session.get(Store, store_id)

    async def get_by_idempotency_key(self, key: str) -> Store | None:
        result = await self.session.execute(select(Store).where(Store.idempotency_key == key))
        return result.scalar_one_or_none()

    async def live_holder(self, store_name: str, domain: str) -> Store | None:
        """A live store holding this name or domain, if any."""
        result = await self.session.execute(
            select(Store)
            .where(Store.status != StoreStatus.DELETED)
            .where(or_(Store.store_name == store_name, Store.domain == domain))
            .limit(1)
        )
        return result.scalar_one_or_none()

    async def count_live(self, created_by: str | None = None) -> int:
        """Stores not Deleted, on the whole platform or asked for by one token."""
        query = select(func.count()).select_from(Store).where(Store.status != StoreStatus.DELETED)
        if created_by is not None:
            query = query.where(Store.created_by == created_by)
        return int(await self.session.scalar(query) or 0)

    async def page(
        self,
        *,
        status: StoreStatus | None,
        include_deleted: bool,
        limit: int,
        offset: int = 0,
        search: str | None = None,
        order: StoreOrder = StoreOrder.NEWEST,
        after: tuple[datetime, str] | None = None,
    ) -> tuple[Sequence[Store], int]:
        """Up to ``limit`` stores in ``order``, and how many match in all. ``after`` (the
        created_at and id of the last store of the previous page, in the newest or oldest
        order only) continues where that page ended, reading only the rows it returns;
        ``offset`` skips rows it still reads."""
        conditions: list[ColumnElement[bool]] = []
        if status is not None:
            conditions.append(Store.status == status)
        elif not include_deleted:
            conditions.append(Store.status != StoreStatus.DELETED)
        if search:
            # Names and domains are lowercase (validated), so lowering the needle is enough.
            needle = search.lower()
            conditions.append(
                or_(
                    Store.store_name.contains(needle, autoescape=True),
                    Store.domain.contains(needle, autoescape=True),
                )
            )
        where = and_(*conditions) if conditions else and_(True)
        counted = select(func.count()).select_from(Store).where(where)
        # The count rides along with the page as a subquery PostgreSQL runs once: one round
        # trip, and the page and its total come from the same snapshot.
        query = select(Store, counted.scalar_subquery().label("total"))
        ordering = (*_ORDER[order], Store.created_at.desc(), Store.id.desc())
        if after is not None:
            if order == StoreOrder.NEWEST:
                where = and_(where, tuple_(Store.created_at, Store.id) < tuple_(*after))
            elif order == StoreOrder.OLDEST:
                where = and_(where, tuple_(Store.created_at, Store.id) > tuple_(*after))
            else:
                raise ValueError(f"keyset pages are in created_at order, not by {order}")
        if offset:
            # The rows an offset skips are still read; here only their ids and sort keys are,
            # and only the page's own rows are fetched whole (rows are wide: sorting 9,000 of
            # them whole cost 8.7 ms at offset 9,000 of 10,000 stores, ids first 4 ms).
            page_ids = select(Store.id).where(where).order_by(*ordering)
            query = query.where(Store.id.in_(page_ids.limit(limit).offset(offset)))
        else:
            query = query.where(where).limit(limit)
        rows = (await self.session.execute(query.order_by(*ordering))).all()
        if not rows:
            # Past the last page (or nothing matches): no row carried the count.
            return [], int(await self.session.scalar(counted) or 0)
        return [row[0] for row in rows], int(rows[0][1])

    async def events(self, store_id: str, *, after: int, limit: int) -> Sequence[StoreEvent]:
        """A page of the store's events, oldest first, starting after event id ``after``."""
        result = await self.session.execute(
            select(StoreEvent)
            .where(StoreEvent.store_id == store_id, StoreEvent.id > after)
            .order_by(StoreEvent.id)
            .limit(limit)
        )
        return result.scalars().all()

    async def add_event(self, store_id: str, step: str, outcome: str, message: str) -> None:
        self.session.add(StoreEvent(store_id=store_id, step=step, outcome=outcome, message=message))
        await self.session.flush()

    async def live_names(self) -> dict[str, str]:
        """Every live store's id and name."""
        result = await self.session.execute(
            select(Store.id, Store.store_name).where(Store.status != StoreStatus.DELETED)
        )
        return {store_id: name for store_id, name in result.all()}

    async def counts_by_status(self) -> dict[StoreStatus, int]:
        result = await self.session.execute(
            select(Store.status, func.count()).group_by(Store.status)
        )
        return {status: count for status, count in result.all()}

    # --- housekeeping ----------------------------------------------------------------------
    async def purge_deleted(self, deleted_before: datetime) -> int:
        """Remove stores that were Deleted before ``deleted_before`` (their events go with them,
        by the foreign key's cascade); the number removed."""
        await self.session.execute(
            delete(StoreEvent).where(
                StoreEvent.store_id.in_(
                    select(Store.id).where(
                        Store.status == StoreStatus.DELETED, Store.deleted_at < deleted_before
                    )
                )
            )
        )
        result = await self.session.execute(
            delete(Store).where(
                Store.status == StoreStatus.DELETED, Store.deleted_at < deleted_before
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def expire_idempotency_keys(self, created_before: datetime) -> int:
        """Forget the Idempotency-Keys of stores requested before ``created_before``, so the
        key no longer replays and may be used again."""
        result = await self.session.execute(
            update(Store)
            .where(Store.idempotency_key.is_not(None), Store.created_at < created_before)
            .values(idempotency_key=None)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def oldest_provisioning_since(self) -> datetime | None:
        """When the longest-provisioning store was requested (None when none provisions)."""
        return await self.session.scalar(
            select(func.min(Store.created_at)).where(Store.status == StoreStatus.PROVISIONING)
        )

    async def queue(self, now: datetime) -> tuple[int, datetime | None]:
        """The reconciler's work queue: how many stores are due and unclaimed, and the
        earliest moment one of them came due."""
        row = (
            await self.session.execute(
                select(func.count(), func.min(Store.next_attempt_at)).where(
                    _needs_work(), _lease_free(now), Store.next_attempt_at <= now
                )
            )
        ).one()
        return int(row[0]), row[1]

    # --- reconciler side ------------------------------------------------------------------
    async def claim_due(
        self, owner: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[Store]:
        """Lease up to ``limit`` stores that need work and whose lease is free or expired;
        returns them as claimed (read in the same statement that claims them).

        Fair between tokens: due stores take turns by the token that asked for them (each
        token's oldest due store first, then each one's second, ...), so a token that queued
        hundreds of stores does not make everyone else's wait behind all of them. The turns are
        counted over the partial index of stores that need work (``ix_stores_due``), so the
        Ready ones, however many, are never read.

        On PostgreSQL ``FOR UPDATE SKIP LOCKED`` lets replicas claim side by side without
        waiting on each other's rows; SQLite has a single writer, so the plain select is safe.
        """
        due = (
            select(
                Store.id,
                Store.next_attempt_at,
                func.row_number()
                .over(partition_by=Store.created_by, order_by=Store.next_attempt_at)
                .label("turn"),
            )
            .where(_needs_work(), _lease_free(now), Store.next_attempt_at <= now)
            .subquery()
        )
        fair_turns = select(due.c.id).order_by(due.c.turn, due.c.next_attempt_at).limit(limit)
        # Row locks cannot be taken in a query with a window function, hence the outer select.
        query = select(Store.id).where(Store.id.in_(fair_turns)).with_for_update(skip_locked=True)
        candidates = [row.id for row in (await self.session.execute(query)).all()]
        if not candidates:
            return []
        # The update re-checks the lease, so a concurrent claimer that read the same rows
        # (possible on SQLite, which has no row locks) gets only what it really took.
        claimed = await self.session.scalars(
            update(Store)
            .where(Store.id.in_(candidates), _lease_free(now), Store.next_attempt_at <= now)
            .values(lease_owner=owner, lease_expires_at=lease_until)
            .returning(Store)
            .execution_options(synchronize_session=False, populate_existing=True)
        )
        return list(claimed.all())

    async def next_due(self, now: datetime) -> datetime | None:
        """When the earliest store that needs work and is not leased comes due."""
        return await self.session.scalar(
            select(func.min(Store.next_attempt_at)).where(_needs_work(), _lease_free(now))
        )

    async def in_namespaces(self, namespaces: Collection[str]) -> Sequence[Store]:
        """The live stores that own these namespaces."""
        result = await self.session.execute(
            select(Store).where(
                Store.namespace.in_(namespaces), Store.status != StoreStatus.DELETED
            )
        )
        return result.scalars().all()

    async def make_due(self, store_ids: Collection[str], now: datetime) -> None:
        """Something changed for these stores: their next pass is due now, not later."""
        await self.session.execute(
            update(Store)
            .where(Store.id.in_(store_ids), Store.next_attempt_at > now)
            .values(next_attempt_at=now)
        )

    async def watched_after(self, store_id: str, limit: int) -> Sequence[Store]:
        """Up to ``limit`` stores whose health is watched (Ready or Degraded, to be kept), by id
        after ``store_id``: the pages of a full health check."""
        result = await self.session.execute(
            select(Store)
            .where(
                Store.desired_state == DesiredState.PRESENT,
                Store.status.in_([StoreStatus.READY, StoreStatus.DEGRADED]),
                Store.id > store_id,
            )
            .order_by(Store.id)
            .limit(limit)
        )
        return result.scalars().all()

    async def record_health(
        self, seen: Store, status: StoreStatus, reason: str | None, now: datetime, **more: Any
    ) -> bool:
        """Write a health verdict on a store as it was ``seen`` (with ``more`` fields: a repair
        scheduled with it); False (nothing written) when the store changed meanwhile (a DELETE,
        a retry, another replica's verdict)."""
        result = await self.session.execute(
            update(Store)
            .where(
                Store.id == seen.id,
                Store.desired_state == DesiredState.PRESENT,
                Store.generation == seen.generation,
                Store.status == seen.status,
                Store.status_reason.is_not_distinct_from(seen.status_reason),
            )
            .values(status=status, status_reason=reason, updated_at=now, **more)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def renew_leases(self, owner: str, store_ids: list[str], until: datetime) -> set[str]:
        """Extend our leases; returns the ids we still hold."""
        if not store_ids:
            return set()
        result = await self.session.execute(
            update(Store)
            .where(Store.id.in_(store_ids), Store.lease_owner == owner)
            .values(lease_expires_at=until)
            .returning(Store.id)
        )
        return {row[0] for row in result}

    async def release(self, store_id: str, owner: str, next_attempt_at: datetime | None) -> None:
        """Give up our lease; the store is due again at ``next_attempt_at`` (None: leave as is)."""
        values: dict[str, Any] = {"lease_owner": None, "lease_expires_at": None}
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at
        await self.session.execute(
            update(Store).where(Store.id == store_id, Store.lease_owner == owner).values(**values)
        )

    async def release_all(self, owner: str) -> None:
        await self.session.execute(
            update(Store)
            .where(Store.lease_owner == owner)
            .values(lease_owner=None, lease_expires_at=None)
        )

    async def fenced_update(self, fence: Fence, **values: Any) -> bool:
        """Write ``values`` if the fence still holds; False means the pass must stop."""
        values.setdefault("updated_at", utcnow())
        result = await self.session.execute(
            update(Store)
            .where(
                Store.id == fence.store_id,
                Store.lease_owner == fence.owner,
                Store.desired_state == fence.desired_state,
                Store.generation == fence.generation,
            )
            .values(**values)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


def _needs_work() -> TextClause:
    """Stores the reconciler still has to drive: provisioning, restoring or deleting. Ready and
    Degraded stores are not polled (their health comes from the watch cache), so the claim reads
    only the rows of the partial index that this same expression defines (models.NEEDS_WORK)."""
    return NEEDS_WORK


def _lease_free(now: datetime) -> ColumnElement[bool]:
    return or_(Store.lease_expires_at.is_(None), Store.lease_expires_at < now)
