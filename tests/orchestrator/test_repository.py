"""Queries and leases on the real databases."""

import asyncio
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.models import DesiredState, Store, StoreOrder, StoreStatus, utcnow
from orchestrator.stores.repository import Fence, StoreRepository

Sessions = async_sessionmaker[AsyncSession]


def new_store(name: str, status: str = StoreStatus.PROVISIONING, **extra: object) -> Store:
    now = utcnow()
    values: dict[str, object] = dict(
        id=str(uuid.uuid4()),
        store_name=name,
        namespace=f"{name}-{uuid.uuid4().hex[:8]}",
        domain=f"{name}.localhost",
        environment="local",
        status=status,
        desired_state=DesiredState.PRESENT,
        created_at=now,
        updated_at=now,
        next_attempt_at=now,
    )
    values.update(extra)
    return Store(**values)


async def add(sessions: Sessions, *stores: Store) -> None:
    async with sessions() as session:
        session.add_all(stores)
        await session.commit()


async def test_live_name_and_domain_are_unique(sessions: Sessions) -> None:
    await add(sessions, new_store("demo"))
    with pytest.raises(IntegrityError):
        await add(sessions, new_store("demo"))
    with pytest.raises(IntegrityError):
        await add(sessions, new_store("other", domain="demo.localhost"))


async def test_deleted_store_frees_its_name(sessions: Sessions) -> None:
    await add(sessions, new_store("demo", status=StoreStatus.DELETED))
    await add(sessions, new_store("demo"))
    async with sessions() as session:
        _, total = await StoreRepository(session).page(
            status=None, include_deleted=True, limit=10, offset=0
        )
    assert total == 2


async def test_page_filters_and_orders_newest_first(sessions: Sessions) -> None:
    now = utcnow()
    stores = [
        new_store(
            f"s{i}",
            created_at=now + timedelta(seconds=i),
            status=StoreStatus.READY if i % 2 else StoreStatus.PROVISIONING,
        )
        for i in range(7)
    ]
    stores.append(new_store("gone", status=StoreStatus.DELETED))
    await add(sessions, *stores)
    async with sessions() as session:
        repository = StoreRepository(session)
        page, total = await repository.page(status=None, include_deleted=False, limit=3, offset=0)
        assert total == 7
        assert [s.store_name for s in page] == ["s6", "s5", "s4"]
        page, total = await repository.page(status=None, include_deleted=False, limit=3, offset=6)
        assert [s.store_name for s in page] == ["s0"]
        ready, total = await repository.page(
            status=StoreStatus.READY, include_deleted=False, limit=50, offset=0
        )
        assert total == 3 and {s.store_name for s in ready} == {"s1", "s3", "s5"}
        _, total = await repository.page(status=None, include_deleted=True, limit=1, offset=0)
        assert total == 8


@pytest.mark.parametrize("order", list(StoreOrder))
@pytest.mark.parametrize(
    ("status", "include_deleted", "search"),
    [(None, False, None), (None, True, None), (StoreStatus.READY, False, None), (None, False, "b")],
)
async def test_offset_pages_put_together_are_the_whole_ordered_list(
    sessions: Sessions,
    order: StoreOrder,
    status: StoreStatus | None,
    include_deleted: bool,
    search: str | None,
) -> None:
    now = utcnow()
    statuses = [StoreStatus.READY, StoreStatus.FAILED, StoreStatus.DELETED, StoreStatus.READY]
    stores = [
        new_store(
            name,
            status=statuses[i % len(statuses)],
            # Every second store shares its creation time with the one before: ties are
            # broken by id.
            created_at=now + timedelta(seconds=i // 2),
        )
        for i, name in enumerate(["bb", "ab", "ba", "cc", "bc", "ca", "ac", "cb", "aa", "bd", "db"])
    ]
    await add(sessions, *stores)
    matching = [
        s
        for s in stores
        if (s.status == status if status else include_deleted or s.status != StoreStatus.DELETED)
        and (search is None or search in s.store_name)
    ]
    newest = sorted(matching, key=lambda s: (s.created_at, s.id), reverse=True)
    expected = {
        StoreOrder.NEWEST: newest,
        StoreOrder.OLDEST: newest[::-1],
        StoreOrder.NAME: sorted(newest, key=lambda s: s.store_name),  # stable: newest within
        StoreOrder.STATUS: sorted(newest, key=lambda s: s.status),
    }[order]

    pages: list[str] = []
    offset = 0
    async with sessions() as session:
        repository = StoreRepository(session)
        while True:
            page, total = await repository.page(
                status=status,
                include_deleted=include_deleted,
                limit=3,
                offset=offset,
                search=search,
                order=order,
            )
            assert total == len(expected)
            if not page:
                break
            pages.extend(store.store_name for store in page)
            offset += 3
    assert pages == [s.store_name for s in expected]


async def test_claims_never_overlap(sessions: Sessions, database_url: str) -> None:
    await add(sessions, *[new_store(f"s{i}") for i in range(20)])
    now = utcnow()

    async def claim(owner: str) -> list[Store]:
        async with sessions() as session:
            claimed = await StoreRepository(session).claim_due(
                owner, now, now + timedelta(seconds=30), 8
            )
            await asyncio.sleep(0.05)  # hold the row locks while the others try
            await session.commit()
            return claimed

    claimed: list[str] = []
    for _ in range(5):  # rounds of four replicas claiming at once, until nothing is left
        results = await asyncio.gather(*(claim(f"replica-{i}") for i in range(4)))
        claimed += [store.id for stores in results for store in stores]
    assert all(
        (store.lease_owner or "").startswith("replica-") for stores in results for store in stores
    )
    assert len(claimed) == len(set(claimed)) == 20


async def test_expired_lease_can_be_taken_over(sessions: Sessions) -> None:
    store = new_store("demo")
    await add(sessions, store)
    now = utcnow()
    async with sessions() as session:
        [claimed] = await StoreRepository(session).claim_due(
            "a", now, now + timedelta(seconds=1), 5
        )
        await session.commit()
    first = Fence.of(claimed)
    later = now + timedelta(seconds=2)
    async with sessions() as session:
        repository = StoreRepository(session)
        [claimed] = await repository.claim_due("b", later, later + timedelta(seconds=30), 5)
        await session.commit()
    second = Fence.of(claimed)
    assert first.store_id == second.store_id == store.id
    async with sessions() as session:
        repository = StoreRepository(session)
        assert await repository.renew_leases("a", [store.id], later) == set()
        assert not await repository.fenced_update(first, status_reason="stale writer")
        assert await repository.fenced_update(second, status_reason="current writer")
        await session.commit()
        refreshed = await repository.get(store.id)
        assert refreshed is not None and refreshed.status_reason == "current writer"


async def test_fence_breaks_when_the_user_changes_their_mind(sessions: Sessions) -> None:
    store = new_store("demo")
    await add(sessions, store)
    now = utcnow()
    async with sessions() as session:
        [claimed] = await StoreRepository(session).claim_due(
            "a", now, now + timedelta(seconds=30), 1
        )
        await session.commit()
    fence = Fence.of(claimed)
    async with sessions() as session:
        row = await session.get(Store, store.id)
        assert row is not None
        row.desired_state = DesiredState.ABSENT
        await session.commit()
    async with sessions() as session:
        repository = StoreRepository(session)
        assert not await repository.fenced_update(fence, status=StoreStatus.READY)
        row = await repository.get(store.id)
        assert row is not None and row.status == StoreStatus.PROVISIONING


async def test_stores_not_due_or_settled_are_not_claimed(sessions: Sessions) -> None:
    now = utcnow()
    await add(
        sessions,
        new_store("later", next_attempt_at=now + timedelta(seconds=60)),
        new_store("failed", status=StoreStatus.FAILED),
        new_store("deleted", status=StoreStatus.DELETED),
        new_store("due"),
    )
    claim_time = utcnow()
    async with sessions() as session:
        repository = StoreRepository(session)
        claimed = await repository.claim_due(
            "a", claim_time, claim_time + timedelta(seconds=30), 10
        )
        assert [store.store_name for store in claimed] == ["due"]
        assert await repository.next_due(claim_time) == now + timedelta(seconds=60)


async def test_status_and_desired_state_are_enums_stored_as_their_strings(
    sessions: Sessions,
) -> None:
    await add(sessions, new_store("demo", status=StoreStatus.READY))
    async with sessions() as session:
        raw = (await session.execute(text("SELECT status, desired_state FROM stores"))).one()
        assert tuple(raw) == ("Ready", "present")
        [store] = (
            await StoreRepository(session).page(
                status=StoreStatus.READY, include_deleted=False, limit=5, offset=0
            )
        )[0]
        assert store.status is StoreStatus.READY
        assert store.desired_state is DesiredState.PRESENT
        assert await StoreRepository(session).counts_by_status() == {StoreStatus.READY: 1}


async def test_a_status_that_is_not_one_is_refused(sessions: Sessions) -> None:
    with pytest.raises(StatementError, match="'Done' is not a valid StoreStatus"):
        await add(sessions, new_store("demo", status="Done"))
    async with sessions() as session:
        assert (await session.execute(text("SELECT count(*) FROM stores"))).scalar_one() == 0


async def test_a_refused_insert_leaves_the_session_usable(sessions: Sessions) -> None:
    await add(sessions, new_store("demo"))
    async with sessions() as session:
        repository = StoreRepository(session)
        assert not await repository.add_new(new_store("demo"))
        holder = await repository.live_holder("demo", "other.localhost")
        assert holder is not None and holder.store_name == "demo"


async def test_claims_take_turns_between_tokens(sessions: Sessions) -> None:
    """One token queued many stores before another asked for one: the other's store is
    claimed in the first round, not after all of the first token's."""
    start = utcnow() - timedelta(minutes=10)
    flood = [
        new_store(f"flood{i}", created_by="flooder", next_attempt_at=start + timedelta(seconds=i))
        for i in range(6)
    ]
    late = new_store("late", created_by="patient", next_attempt_at=start + timedelta(minutes=5))
    await add(sessions, *flood, late)
    now = utcnow()
    async with sessions() as session:
        claimed = await StoreRepository(session).claim_due(
            "replica", now, now + timedelta(seconds=30), 2
        )
        await session.commit()
    assert {store.store_name for store in claimed} == {"flood0", "late"}
