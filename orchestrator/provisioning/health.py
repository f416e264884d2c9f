"""Acting on changes to stores' objects, as the watch cache reports them.

A change in a store namespace is looked at within moments: a Ready store whose workloads stopped
being healthy becomes Degraded (and Ready again once they recover); a store being provisioned or
deleted is made due at once, so the reconciler's next pass sees the change instead of waiting
for its next poll. Idle stores cost nothing: no API request (the cache is fed by watches) and no
database statement (nothing changed, nothing is looked at). A full check of every Ready store
against the cache runs every ``WOO_RESYNC_SECONDS`` as a safety net; it writes only verdicts that
changed.

A Degraded verdict on a store whose data is intact also schedules an automatic repair
(``provisioning/repair.py``: bounded, with backoff).

A verdict is written only if the store is still as it was read (``record_health``), so replicas
that all see the same change write it once, and a DELETE or retry is never overwritten.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import Any, TypeVar

from opentelemetry.context import Context
from opentelemetry.trace import Tracer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.clock import Clock
from orchestrator.config import Settings
from orchestrator.logs import current_store
from orchestrator.models import DesiredState, Store, StoreStatus
from orchestrator.provisioning.outcome import HEALTH, Event, EventOutcome
from orchestrator.provisioning.readiness import Verdict
from orchestrator.provisioning.repair import gave_up_message, plan_repair, scheduled_message
from orchestrator.provisioning.steps import StoreSteps
from orchestrator.provisioning.transactions import in_transaction
from orchestrator.stores.repository import StoreRepository
from orchestrator.tracing import STORE_ID

log = logging.getLogger(__name__)
T = TypeVar("T")

# Changes arriving together (a rollout touches several objects, a burst of installs touches
# many) are looked at together: fewer statements on the event loop the API shares.
COALESCE_SECONDS = 0.2
# Stores read per statement.
BATCH = 500


class HealthMonitor:
    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        steps: StoreSteps,
        clock: Clock,
        wake: Callable[[], None],
        tracer: Tracer,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.steps = steps
        self.clock = clock
        self._wake = wake
        self.tracer = tracer
        self._pending: set[str] = set()
        self._signal = asyncio.Event()

    def changed(self, namespace: str) -> None:
        """Called by the watch cache, on the event loop, for every change it keeps."""
        self._pending.add(namespace)
        self._signal.set()

    async def follow_changes(self) -> None:
        # Judging from a half-listed cache would send every store to the API server instead;
        # the changes that arrive meanwhile (the first lists report every namespace) wait.
        await self.steps.objects.wait_synced()
        while True:
            await self._signal.wait()
            await asyncio.sleep(COALESCE_SECONDS)
            self._signal.clear()
            namespaces, self._pending = self._pending, set()
            for batch in _batches(sorted(namespaces)):
                try:
                    await self._look_at(batch)
                except Exception:
                    # The next change or the full check looks again.
                    log.exception("acting on changes in %d store namespaces failed", len(batch))

    async def resync(self) -> None:
        """The safety net: every Ready and Degraded store checked against the cache."""
        while True:
            await asyncio.sleep(self.settings.resync_seconds)
            try:
                await self.check_all()
            except Exception:
                log.exception("full health check failed")

    async def check_all(self) -> None:
        after = ""
        while True:
            page = await self._transaction(self._page_after(after))
            for store in page:
                await self._check(store)
            if len(page) < BATCH:
                return
            after = page[-1].id

    @staticmethod
    def _page_after(after: str) -> Callable[[StoreRepository], Awaitable[Sequence[Store]]]:
        return lambda repository: repository.watched_after(after, BATCH)

    async def _look_at(self, namespaces: list[str]) -> None:
        stores = await self._transaction(lambda repository: repository.in_namespaces(namespaces))
        due = [store.id for store in stores if _in_progress(store)]
        if due:
            await self._transaction(lambda repository: repository.make_due(due, self.clock.now()))
            self._wake()
        for store in stores:
            if _watched(store):
                await self._check(store)

    async def _check(self, store: Store) -> None:
        if not _watched(store):
            return
        current_store.set(store.id)
        # A trace of its own, like a reconciler pass.
        with self.tracer.start_as_current_span(
            "health", context=Context(), attributes={STORE_ID: store.id}
        ):
            await self._judge(store)

    async def _judge(self, store: Store) -> None:
        try:
            assessment = await self.steps.observe(
                store, store.release_revision or 0, require_setup=False
            )
        except Exception as exc:
            # An API blip is no reason to call the store unhealthy.
            log.info("health check of %s failed: %s", store.id, exc)
            return
        healthy = assessment.verdict == Verdict.READY
        if healthy and store.status == StoreStatus.DEGRADED:
            await self._record(
                store,
                StoreStatus.READY,
                None,
                (Event(HEALTH, EventOutcome.SUCCEEDED, "store healthy again"),),
            )
        elif not healthy and (
            store.status == StoreStatus.READY or store.status_reason != assessment.reason
        ):
            now = self.clock.now()
            events = [Event(HEALTH, EventOutcome.DEGRADED, assessment.reason)]
            changes: dict[str, Any] = {}
            plan = plan_repair(store, self.settings, now)
            if plan is not None and plan.due is not None:
                changes = plan.store_changes(store, assessment.reason, now)
                events.append(
                    Event(HEALTH, EventOutcome.WAITING, scheduled_message(plan, self.settings, now))
                )
            elif plan is not None:
                # Said once per new reason: a verdict is written only when the reason changes.
                events.append(Event(HEALTH, EventOutcome.FAILED, gave_up_message(store, plan)))
            await self._record(
                store, StoreStatus.DEGRADED, assessment.reason, tuple(events), changes
            )
            if changes:
                self._wake()

    async def _record(
        self,
        store: Store,
        status: StoreStatus,
        reason: str | None,
        events: tuple[Event, ...],
        changes: dict[str, Any] | None = None,
    ) -> None:
        async def write(repository: StoreRepository) -> bool:
            if not await repository.record_health(
                store, status, reason, self.clock.now(), **(changes or {})
            ):
                return False
            for event in events:
                await repository.add_event(store.id, event.step, event.outcome, event.message)
            return True

        if await self._transaction(write):
            for event in events:
                log.info("%s %s: %s", event.step, event.outcome, event.message)

    async def _transaction(self, work: Callable[[StoreRepository], Awaitable[T]]) -> T:
        return await in_transaction(self.sessions, work)


def _watched(store: Store) -> bool:
    """Ready and Degraded stores, unless a pass is working on them (it judges them itself) or
    their data is lost (they wait for an operator). Suspended stores are at zero on purpose."""
    return (
        store.desired_state == DesiredState.PRESENT
        and store.status in (StoreStatus.READY, StoreStatus.DEGRADED)
        and store.step is None
        and store.data_lost_at is None
    )


def _in_progress(store: Store) -> bool:
    # A pass waiting on the store: provisioning, deleting, or applying its release again.
    return (
        (store.desired_state == DesiredState.PRESENT and store.status == StoreStatus.PROVISIONING)
        or (store.desired_state == DesiredState.ABSENT and store.status == StoreStatus.DELETING)
        or (store.desired_state == DesiredState.PRESENT and store.step is not None)
    )


def _batches(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), BATCH):
        yield items[start : start + BATCH]
