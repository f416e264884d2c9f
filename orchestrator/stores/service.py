"""The rules of the store lifecycle as seen from the API. Services never commit."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import Sequence
from datetime import datetime, timedelta

from orchestrator.backups.repository import BackupRepository
from orchestrator.clock import Clock
from orchestrator.config import Settings
from orchestrator.errors import (
    BackupsDisabled,
    Conflict,
    FieldError,
    IdempotencyKeyReused,
    InvalidRequest,
    InvalidTransition,
    LimitReached,
    NotFound,
)
from orchestrator.models import (
    Backup,
    BackupStatus,
    DesiredState,
    Store,
    StoreEvent,
    StoreOrder,
    StoreStatus,
)
from orchestrator.naming import (
    default_domain,
    domain_policy_problem,
    hostname_problem,
    new_namespace,
    store_name_problem,
)
from orchestrator.schedules import longest_gap
from orchestrator.stores.repository import StoreRepository
from orchestrator.stores.schemas import CloneFrom, StoreBackups, StoreCreate, StoreOut, to_store_out

# The orders a cursor pages in: both are keyed by (created_at, id), which a cursor names.
KEYSET_ORDERS = (StoreOrder.NEWEST, StoreOrder.OLDEST)
# A backup counts as overdue this long after its schedule's longest gap (a backup takes time).
OVERDUE_GRACE = timedelta(hours=1)


class StoreService:
    def __init__(self, repository: StoreRepository, settings: Settings, clock: Clock) -> None:
        self.repository = repository
        self.settings = settings
        self.clock = clock

    async def create(
        self, request: StoreCreate, idempotency_key: str | None, requested_by: str
    ) -> tuple[Store, bool]:
        """Record a new store to be provisioned for the token named ``requested_by``. Returns
        (store, created); a replay of the same Idempotency-Key with the same body returns the
        first store and created=False, even when a cap has been reached since.

        The common path is a count (the caps) and two inserts: the partial unique indexes,
        not a read before the write, decide whether a name, domain or key is taken (which is
        also race-free); only a refused insert pays for finding out why. A request with an
        Idempotency-Key looks for its first answer before the caps are counted.
        """
        domain = self._checked_domain(request)
        plan = request.plan or self.settings.default_plan
        if plan not in self.settings.plans:
            problem = f"unknown plan {plan!r}; plans: {', '.join(self.settings.plans)}"
            raise InvalidRequest(f"plan: {problem}", [FieldError("plan", problem)])
        digest = _digest(request, domain)
        if idempotency_key is not None:
            replay = await self._replay(idempotency_key, digest)
            if replay is not None:
                return replay, False
        await self._check_caps(requested_by)
        seed = await self._clone_seed(request.clone_from) if request.clone_from else None
        now = self.clock.now()
        store = Store(
            id=str(uuid.uuid4()),
            store_name=request.store_name,
            namespace=new_namespace(request.store_name),
            domain=domain,
            environment=request.environment,
            desired_state=DesiredState.PRESENT,
            status=StoreStatus.PROVISIONING,
            status_reason="queued for provisioning",
            created_at=now,
            updated_at=now,
            next_attempt_at=now,
            idempotency_key=idempotency_key,
            request_digest=digest,
            created_by=requested_by,
            backup_schedule=request.backup_schedule,
            plan=plan,
            version=self.settings.version_for_new_stores,
        )
        message = "store requested"
        if seed is not None:
            store.cloned_from_store_id = seed.store_id
            store.restore_backup_id = seed.id
            store.restore_snapshot_id = seed.snapshot_id
            store.restore_source_store_id = seed.store_id
            store.status_reason = "queued for provisioning from a clone"
            message = (
                f"store requested as a clone of {seed.store_name} ({seed.store_id}), "
                f"from backup {seed.id}"
            )
        accepted = await self.repository.add_new(
            store,
            StoreEvent(store_id=store.id, step="request", outcome="accepted", message=message),
        )
        if not accepted:
            if idempotency_key is not None:
                # A request with the same key may have won the race since the lookup above.
                replay = await self._replay(idempotency_key, digest)
                if replay is not None:
                    return replay, False
            holder = await self.repository.live_holder(request.store_name, domain)
            if holder is not None:
                raise Conflict(_held_message(holder, request.store_name, domain))
            raise Conflict(
                f"store name {request.store_name!r} or domain {domain!r} is already in use"
            )
        return store, True

    async def _clone_seed(self, clone_from: CloneFrom) -> Backup:
        """The backup a clone starts from: the one named, else the source store's latest
        Succeeded backup. The source store may be deleted (its backups outlive it)."""
        if not self.settings.backups_enabled:
            raise BackupsDisabled("backups are off on this platform (no WOO_BACKUP_ENDPOINT)")
        backups = BackupRepository(self.repository.session)
        if clone_from.backup_id is None:
            latest = await backups.latest_succeeded(clone_from.store_id)
            if latest is None:
                raise NotFound(f"store {clone_from.store_id} has no successful backup to clone")
            return latest
        backup = await backups.get(clone_from.backup_id)
        if backup is None:
            raise NotFound(f"backup {clone_from.backup_id} not found")
        if backup.store_id != clone_from.store_id:
            problem = f"is a backup of store {backup.store_id}, not of {clone_from.store_id}"
            raise InvalidRequest(
                f"clone_from.backup_id: {problem}", [FieldError("clone_from.backup_id", problem)]
            )
        if backup.status != BackupStatus.SUCCEEDED:
            raise InvalidTransition(
                f"backup {backup.id} is {backup.status}; only a Succeeded backup can be cloned"
            )
        return backup

    async def shown(self, store: Store) -> StoreOut:
        """The store as every route answers it: with its backup summary."""
        summaries = await self.backup_summaries([store])
        return to_store_out(store, summaries.get(store.id))

    async def backup_summaries(self, stores: Sequence[Store]) -> dict[str, StoreBackups]:
        """Each live store's backup schedule and whether its last backup is overdue (empty when
        backups are off)."""
        if not self.settings.backups_enabled:
            return {}
        live = [store for store in stores if store.status != StoreStatus.DELETED]
        last = await BackupRepository(self.repository.session).last_success_by_store(
            [store.id for store in live]
        )
        now = self.clock.now()
        summaries = {}
        for store in live:
            schedule = store.backup_schedule or self.settings.backup_schedule
            allowed = longest_gap(schedule) + OVERDUE_GRACE
            since = last.get(store.id, store.created_at)
            summaries[store.id] = StoreBackups(
                schedule=schedule,
                last_success_at=last.get(store.id),
                overdue=store.status != StoreStatus.PROVISIONING and now - since > allowed,
                cloned_from_store_id=store.cloned_from_store_id,
            )
        return summaries

    def _checked_domain(self, request: StoreCreate) -> str:
        """The store's domain, given or computed, once it passes the platform's rules: the
        platform's own namespace is not a store name; a computed domain is a hostname like a
        given one (a long base domain can make it too long); every domain lies under the base
        domain or an allowed suffix."""
        problem = store_name_problem(
            request.store_name, frozenset({self.settings.platform_namespace})
        )
        if problem:
            raise InvalidRequest(f"store_name: {problem}", [FieldError("store_name", problem)])
        settings = self.settings
        domain = request.domain or default_domain(request.store_name, settings.base_domain)
        problem = hostname_problem(domain) or domain_policy_problem(
            domain, settings.base_domain, settings.allowed_domain_suffixes
        )
        if problem:
            raise InvalidRequest(f"domain: {problem}", [FieldError("domain", problem)])
        return domain

    async def _check_caps(self, requested_by: str) -> None:
        """Refuse a store beyond WOO_MAX_STORES or WOO_MAX_STORES_PER_TOKEN. Counted before the
        insert, so requests racing at the very limit may pass it by a few."""
        limit = self.settings.max_stores
        if await self.repository.count_live() >= limit:
            raise LimitReached(
                f"the platform has reached its limit of {limit} live stores (WOO_MAX_STORES); "
                "delete stores or raise the limit"
            )
        per_token = self.settings.max_stores_per_token
        if per_token is not None and await self.repository.count_live(requested_by) >= per_token:
            raise LimitReached(
                f"token {requested_by!r} has reached its limit of {per_token} live stores "
                "(WOO_MAX_STORES_PER_TOKEN); delete stores or raise the limit"
            )

    async def get(self, store_id: str) -> Store:
        store = await self.repository.get(store_id)
        if store is None:
            raise NotFound(f"store {store_id} not found")
        return store

    async def page(
        self,
        *,
        status: StoreStatus | None,
        include_deleted: bool,
        limit: int,
        offset: int,
        search: str | None,
        order: StoreOrder,
        cursor: str | None,
    ) -> tuple[Sequence[Store], int, str | None]:
        """A page of stores, how many match in all, and the cursor of the next page (None on
        the last, and in the name and status orders, which page by offset). A cursor continues
        after the store it names, whatever was added or deleted since; it cannot be combined
        with an offset."""
        after = None
        if cursor is not None:
            if offset:
                raise InvalidRequest(
                    "cursor and offset cannot be combined",
                    [FieldError("offset", "must be 0 when a cursor is given")],
                )
            if order not in KEYSET_ORDERS:
                raise InvalidRequest(
                    f"a cursor pages only in the newest or oldest order, not by {order}",
                    [FieldError("cursor", f"page sort={order} with offset instead")],
                )
            after = _decode_cursor(cursor)
        # One row more than asked tells whether there is a next page.
        stores, total = await self.repository.page(
            status=status,
            include_deleted=include_deleted,
            limit=limit + 1,
            offset=offset,
            search=search,
            order=order,
            after=after,
        )
        if len(stores) <= limit:
            return stores, total, None
        page = stores[:limit]
        if order not in KEYSET_ORDERS:
            return page, total, None
        return page, total, _encode_cursor(page[-1])

    async def events(self, store_id: str, *, after: int, limit: int) -> Sequence[StoreEvent]:
        await self.get(store_id)
        return await self.repository.events(store_id, after=after, limit=limit)

    async def request_deletion(self, store_id: str) -> Store:
        """Ask for the store to be removed; works from every status, and again while deleting."""
        store = await self.get(store_id)
        if store.status == StoreStatus.DELETED:
            return store
        if store.desired_state != DesiredState.ABSENT or store.status != StoreStatus.DELETING:
            store.desired_state = DesiredState.ABSENT
            await self._requeue(store, StoreStatus.DELETING, "deletion requested")
        return store

    async def request_retry(self, store_id: str) -> Store:
        """Resume a failed store: provisioning again, finishing a deletion that failed, or
        running a restore that failed again (a clone's seeding is part of its provisioning)."""
        store = await self.get(store_id)
        if store.status != StoreStatus.FAILED:
            raise InvalidTransition(
                f"only a Failed store can be retried; this one is {store.status}"
            )
        status = StoreStatus.PROVISIONING
        if store.desired_state == DesiredState.ABSENT:
            status = StoreStatus.DELETING
        elif store.restore_backup_id and store.restore_source_store_id == store.id:
            status = StoreStatus.RESTORING
        store.generation += 1
        await self._requeue(store, status, "retry requested")
        return store

    async def _requeue(self, store: Store, status: StoreStatus, reason: str) -> None:
        """Hand the store back to the reconciler, due now, starting its steps afresh."""
        now = self.clock.now()
        store.status = status
        store.status_reason = reason
        store.step = None
        store.step_deadline_at = None
        store.attempt = 0
        store.next_attempt_at = now
        store.updated_at = now
        await self.repository.add_event(store.id, "request", "accepted", reason)

    async def _replay(self, key: str, digest: str) -> Store | None:
        existing = await self.repository.get_by_idempotency_key(key)
        if existing is None:
            return None
        if existing.request_digest != digest:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used with a different request body"
            )
        return existing


def _encode_cursor(store: Store) -> str:
    position = f"{store.created_at.isoformat()}|{store.id}"
    return base64.urlsafe_b64encode(position.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        created, store_id = base64.urlsafe_b64decode(padded).decode().split("|", 1)
        when = datetime.fromisoformat(created)
    except ValueError:
        when = None
    if when is None or when.tzinfo is None or not store_id:
        raise InvalidRequest(
            "cursor is not one this API handed out",
            [FieldError("cursor", "not a cursor from a previous page")],
        )
    return when, store_id


def _digest(request: StoreCreate, domain: str) -> str:
    parts: list[object] = [request.store_name, domain, request.environment]
    # Newer fields are digested only when a request uses them, so keys stored before still
    # replay.
    if request.plan is not None:
        parts.append({"plan": request.plan})
    if request.backup_schedule is not None or request.clone_from is not None:
        clone = request.clone_from.model_dump() if request.clone_from else None
        parts += [request.backup_schedule, clone]
    body = json.dumps(parts).encode()
    return hashlib.sha256(body).hexdigest()


def _held_message(holder: Store, store_name: str, domain: str) -> str:
    if holder.store_name == store_name:
        return f"store name {store_name!r} is already used by store {holder.id}"
    return f"domain {domain!r} is already used by store {holder.id}"
