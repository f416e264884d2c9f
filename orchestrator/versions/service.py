"""Changing a store's plan or version, and pinning it. Services never commit.

A change is decided here, before anything touches the cluster: an unknown plan or version is
refused (422), a change a store in its status cannot take, a volume that would shrink, or one
whose storage class cannot expand, is refused (409), and nothing is written. An accepted change
records the target, bumps the store's generation and hands it to the reconciler as Upgrading:
helm upgrade (rolling update), the setup Job, readiness; a change that does not become ready
within WOO_UPGRADE_READY_DEADLINE_SECONDS is rolled back to ``rollback_revision``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from orchestrator.clock import Clock
from orchestrator.config import Settings
from orchestrator.errors import Conflict, FieldError, InvalidRequest, InvalidTransition, NotFound
from orchestrator.models import DesiredState, Store, StoreStatus
from orchestrator.plans import Plan
from orchestrator.stores.repository import StoreRepository
from orchestrator.versions.schemas import StoreUpdate

# Why a store's volumes cannot take a plan's sizes, or None (asks the cluster: its claims and
# their StorageClass; provisioning.sizing.storage_refusal).
StorageCheck = Callable[[Store, Plan], Awaitable[str | None]]
CHANGEABLE = (StoreStatus.READY, StoreStatus.DEGRADED)


class StorageRefused(Conflict):
    code = "storage_refused"


class StoreChangeService:
    def __init__(self, repository: StoreRepository, settings: Settings, clock: Clock) -> None:
        self.repository = repository
        self.settings = settings
        self.clock = clock

    async def change(
        self, store_id: str, update: StoreUpdate, storage_refusal: StorageCheck
    ) -> tuple[Store, bool]:
        """Apply ``update``; (store, whether an upgrade was started)."""
        store = await self.repository.get(store_id)
        if store is None or store.status == StoreStatus.DELETED:
            raise NotFound(f"store {store_id} not found")
        plan = self._checked_plan(update.plan)
        version = self._checked_version(update.version)
        new_plan = plan if plan not in (None, store.plan) else None
        new_version = version if version not in (None, store.version) else None
        if new_plan is not None or new_version is not None:
            await self._check_upgradable(store, new_plan, storage_refusal)
        if update.pinned is not None and update.pinned != store.pinned:
            store.pinned = update.pinned
            store.updated_at = self.clock.now()
            await self.repository.add_event(
                store.id,
                "request",
                "accepted",
                "pinned: skipped by rollouts" if update.pinned else "unpinned",
            )
        if new_plan is None and new_version is None:
            return store, False
        await self.start_upgrade(store, plan=new_plan, version=new_version)
        return store, True

    async def start_upgrade(
        self, store: Store, *, plan: str | None = None, version: str | None = None
    ) -> None:
        """Hand the store to the reconciler as Upgrading towards ``plan`` and ``version``
        (None: keep). The caller has checked that the store can take it."""
        now = self.clock.now()
        store.target_plan = plan or store.plan
        store.target_version = version or store.version or self.settings.version_for_new_stores
        store.rollback_revision = store.release_revision
        store.generation += 1
        store.status = StoreStatus.UPGRADING
        parts = []
        if plan:
            parts.append(f"plan {store.plan} -> {plan}")
        if version:
            parts.append(f"version {store.version or 'unversioned'} -> {version}")
        store.status_reason = "upgrade requested: " + ", ".join(parts)
        store.step = None
        store.step_deadline_at = None
        store.attempt = 0
        store.next_attempt_at = now
        store.updated_at = now
        await self.repository.add_event(store.id, "request", "accepted", store.status_reason)

    def upgrade_refusal(self, store: Store) -> str | None:
        """Why a store cannot start a version upgrade now (rollouts ask this too)."""
        if store.desired_state != DesiredState.PRESENT or store.status not in CHANGEABLE:
            return f"a plan or version change needs a Ready store; this one is {store.status}"
        return None

    async def _check_upgradable(
        self, store: Store, plan: str | None, storage_refusal: StorageCheck
    ) -> None:
        refusal = self.upgrade_refusal(store)
        if refusal:
            raise InvalidTransition(refusal)
        if plan is None:
            return
        current = self.settings.plans.get(store.plan)
        wanted = self.settings.plans[plan]
        shrinks = current.shrinks(wanted) if current is not None else []
        if shrinks:
            raise StorageRefused(
                f"plan {plan!r} would shrink {', '.join(shrinks)}; volumes only grow"
            )
        refusal = await storage_refusal(store, wanted)
        if refusal:
            raise StorageRefused(f"plan {plan!r} does not fit the store's volumes: {refusal}")

    def _checked_plan(self, plan: str | None) -> str | None:
        if plan is not None and plan not in self.settings.plans:
            problem = f"unknown plan {plan!r}; plans: {', '.join(self.settings.plans)}"
            raise InvalidRequest(f"plan: {problem}", [FieldError("plan", problem)])
        return plan

    def _checked_version(self, version: str | None) -> str | None:
        if version is not None and version not in self.settings.versions:
            problem = f"unknown version {version!r}; versions: {', '.join(self.settings.versions)}"
            raise InvalidRequest(f"version: {problem}", [FieldError("version", problem)])
        return version
