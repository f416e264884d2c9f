"""The rules of suspending, resuming and repairing a store, as the API asks for them. Each is a
new generation of the store for the reconciler to apply; services never commit."""

from __future__ import annotations

from orchestrator.clock import Clock
from orchestrator.config import Settings
from orchestrator.errors import InvalidTransition, NotFound
from orchestrator.models import DesiredState, Store, StoreStatus
from orchestrator.stores.repository import StoreRepository

# Where suspending makes sense: an installed store, healthy or not, whose data is there.
SUSPENDABLE = (StoreStatus.READY, StoreStatus.DEGRADED)
REPAIRABLE = (StoreStatus.READY, StoreStatus.DEGRADED, StoreStatus.SUSPENDED)


class Day2Service:
    def __init__(self, repository: StoreRepository, settings: Settings, clock: Clock) -> None:
        self.repository = repository
        self.settings = settings
        self.clock = clock

    async def suspend(self, store_id: str) -> Store:
        """Scale the store to zero behind a maintenance page, keeping its data."""
        store = await self._present(store_id)
        if store.suspended and store.status == StoreStatus.SUSPENDED:
            raise InvalidTransition("the store is already suspended")
        if store.status not in SUSPENDABLE:
            raise InvalidTransition(
                f"only a Ready or Degraded store can be suspended; this one is {store.status}"
            )
        self._refuse_lost_data(store, "suspended")
        store.suspended = True
        await self._apply_again(
            store,
            StoreStatus.SUSPENDED,
            "suspending: scaling WordPress and MariaDB to zero",
            "suspend requested",
        )
        return store

    async def resume(self, store_id: str) -> Store:
        """Bring a suspended store back; it is Ready again once its workloads are."""
        store = await self._present(store_id)
        if store.status != StoreStatus.SUSPENDED or not store.suspended:
            raise InvalidTransition(
                f"only a Suspended store can be resumed; this one is {store.status}"
            )
        store.suspended = False
        await self._apply_again(
            store,
            StoreStatus.SUSPENDED,
            "resuming: starting MariaDB and WordPress again",
            "resume requested",
        )
        return store

    async def reconcile(self, store_id: str, *, recreate_empty: bool) -> Store:
        """Apply the store's release again now (a repair), or, when its data is lost and the
        operator says so explicitly, provision it again from nothing."""
        store = await self._present(store_id)
        if recreate_empty:
            if store.data_lost_at is None:
                raise InvalidTransition(
                    "the store's data is intact; recreate_empty is only for a store whose data "
                    "is lost"
                )
            await self._recreate_empty(store)
            return store
        if store.status not in REPAIRABLE:
            raise InvalidTransition(
                "only a Ready, Degraded or Suspended store can be reconciled; this one is "
                f"{store.status}" + (" (use retry)" if store.status == StoreStatus.FAILED else "")
            )
        self._refuse_lost_data(store, "reconciled")
        store.repair_attempts = 0
        store.repair_reason = store.status_reason or "a reconcile was asked for"
        await self._apply_again(
            store,
            store.status,
            "repairing: applying the release again with the same values",
            "reconcile requested",
        )
        return store

    async def _recreate_empty(self, store: Store) -> None:
        # A new store in the old one's place: same name, domain and namespace name, new
        # credentials and empty volumes. The URLs go, so no data check guards this install.
        store.data_lost_at = None
        store.suspended = False
        store.storefront_url = None
        store.admin_url = None
        store.repair_attempts = 0
        store.repair_reason = None
        store.data_claims = None
        await self._apply_again(
            store,
            StoreStatus.PROVISIONING,
            "recreating the store empty, as asked: its data was lost",
            "recreate empty requested (the lost data is not coming back)",
        )

    async def _present(self, store_id: str) -> Store:
        store = await self.repository.get(store_id)
        if store is None:
            raise NotFound(f"store {store_id} not found")
        if store.desired_state != DesiredState.PRESENT:
            raise InvalidTransition(f"the store is being deleted ({store.status})")
        return store

    @staticmethod
    def _refuse_lost_data(store: Store, verb: str) -> None:
        if store.data_lost_at is not None:
            raise InvalidTransition(
                f"the store's data is lost, so it cannot be {verb}: recreate it empty "
                '(reconcile with {"recreate_empty": true}), restore a backup, or delete it'
            )

    async def _apply_again(
        self, store: Store, status: StoreStatus, reason: str, event: str
    ) -> None:
        """A new generation, due now, its steps started afresh; a pass in flight is fenced."""
        now = self.clock.now()
        store.generation += 1
        store.status = status
        store.status_reason = reason
        store.step = None
        store.step_deadline_at = None
        store.attempt = 0
        store.next_attempt_at = now
        store.updated_at = now
        await self.repository.add_event(store.id, "request", "accepted", event)
