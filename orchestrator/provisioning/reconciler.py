"""The reconciler: a level-based loop that drives every store towards its desired state.

Each pass re-reads the store and the cluster and runs the idempotent steps that are still
needed, so a crash anywhere is resumed by the next pass (on this replica or another). Work is
claimed through a lease on the store row, so two replicas never act on one store at once; a
heartbeat keeps our leases alive while passes run, and a pass whose lease or fence is lost
stops writing. Concurrency is bounded by ``max_concurrency`` passes in flight.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import secrets
import socket
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any, NoReturn, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.config import Settings
from orchestrator.logs import current_store
from orchestrator.metrics import Metrics
from orchestrator.models import DesiredState, Store, StoreStatus, utcnow
from orchestrator.provisioning.errors import StepError, as_step_error
from orchestrator.provisioning.readiness import Verdict
from orchestrator.provisioning.steps import StoreSteps
from orchestrator.provisioning.store_values import store_urls
from orchestrator.stores.repository import Fence, StoreRepository

log = logging.getLogger(__name__)
T = TypeVar("T")

# What the user sees in status_reason while a step runs.
STEP_DESCRIPTIONS = {
    "namespace": "creating namespace",
    "secrets": "creating credentials",
    "release": "installing the helm release",
    "readiness": "waiting for the store to become ready",
    "uninstall": "uninstalling the helm release",
    "namespace-delete": "deleting the namespace",
}


# Steps run in these orders. A pass re-checks the earlier steps of its sequence (they are
# idempotent, and the world may have changed), but only a step *later* than the one recorded
# starts a new deadline and attempt count; otherwise a step that keeps failing would reset its
# own deadline on every pass and be retried for ever.
SEQUENCES = (("namespace", "secrets", "release", "readiness"), ("uninstall", "namespace-delete"))


def _is_later(step: str, current: str | None) -> bool:
    for sequence in SEQUENCES:
        if step in sequence:
            return current not in sequence or sequence.index(step) > sequence.index(current)
    raise ValueError(f"unknown step {step}")


class PassOver(Exception):
    """The pass has written its outcome (retry later, failed) and must stop."""


class FenceLost(PassOver):
    """The store changed under the pass (a DELETE, a retry, another replica): stop, and hand
    back the lease at once so the next pass starts from the new state."""


class Reconciler:
    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        steps: StoreSteps,
        metrics: Metrics,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.steps = steps
        self.metrics = metrics
        self.owner = settings.replica_id or (
            f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        )
        self._wake = asyncio.Event()
        self._passes: dict[str, asyncio.Task[None]] = {}
        self._background: list[asyncio.Task[None]] = []

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        self._background = [
            asyncio.create_task(self._dispatch_loop(), name="reconciler-dispatch"),
            asyncio.create_task(self._heartbeat_loop(), name="reconciler-heartbeat"),
        ]

    async def stop(self) -> None:
        """Stop claiming, cancel passes in flight (their helm children are killed), and hand
        our leases back so another replica can take over at once."""
        for task in self._background:
            task.cancel()
        passes = list(self._passes.values())
        for task in passes:
            task.cancel()
        await asyncio.gather(*self._background, *passes, return_exceptions=True)
        self._background = []
        with contextlib.suppress(Exception):
            await self._transaction(lambda repository: repository.release_all(self.owner))

    def wake(self) -> None:
        """Look for work now (a store was requested or retried)."""
        self._wake.set()

    def interrupt(self, store_id: str) -> None:
        """The store's desired state changed: abandon a pass in flight here and look again."""
        task = self._passes.get(store_id)
        if task is not None:
            task.cancel()
        self._wake.set()

    @property
    def in_flight(self) -> int:
        return len(self._passes)

    # --- dispatch -------------------------------------------------------------------------
    async def _dispatch_loop(self) -> None:
        while True:
            self._wake.clear()
            try:
                delay = await self._dispatch()
            except Exception:
                log.exception("reconciler dispatch failed")
                delay = self.settings.reconcile_interval_seconds
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=delay)

    async def _dispatch(self) -> float:
        """Start passes for due stores; return how long to sleep before looking again."""
        free = self.settings.max_concurrency - len(self._passes)
        now = utcnow()
        lease_until = now + timedelta(seconds=self.settings.lease_seconds)

        if free <= 0:
            # Every slot is busy; a finishing pass wakes us.
            return self.settings.reconcile_interval_seconds

        async def claim(repository: StoreRepository) -> tuple[list[Store], datetime | None]:
            claimed = await repository.claim_due(self.owner, now, lease_until, free)
            return claimed, await repository.next_due(now)

        claimed, next_due = await self._transaction(claim)
        for store in claimed:
            task = asyncio.create_task(
                self._run_pass(store, Fence.of(store)), name=f"store-{store.id}"
            )
            self._passes[store.id] = task
            task.add_done_callback(self._pass_done)
        if len(self._passes) >= self.settings.max_concurrency or next_due is None:
            return self.settings.reconcile_interval_seconds
        wait = (next_due - utcnow()).total_seconds()
        return min(max(wait, 0.02), self.settings.reconcile_interval_seconds)

    def _pass_done(self, task: asyncio.Task[None]) -> None:
        store_id = task.get_name().removeprefix("store-")
        if self._passes.get(store_id) is task:
            del self._passes[store_id]
        self._wake.set()

    async def _heartbeat_loop(self) -> None:
        interval = self.settings.lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            held = list(self._passes)
            if not held:
                continue
            try:
                kept = await self._renew(held)
            except Exception:
                log.exception("lease renewal failed")
                continue
            for store_id in set(held) - kept:
                log.warning("lease on store %s lost; abandoning its pass", store_id)
                task = self._passes.get(store_id)
                if task is not None:
                    task.cancel()

    async def _renew(self, store_ids: list[str]) -> set[str]:
        until = utcnow() + timedelta(seconds=self.settings.lease_seconds)
        return await self._transaction(
            lambda repository: repository.renew_leases(self.owner, store_ids, until)
        )

    # --- one pass -------------------------------------------------------------------------
    async def _run_pass(self, store: Store, fence: Fence) -> None:
        current_store.set(store.id)
        try:
            if fence.desired_state == DesiredState.PRESENT:
                await self._converge_present(store, fence)
            else:
                await self._converge_absent(store, fence)
        except FenceLost:
            await self._release(fence, None)
        except PassOver:
            pass
        except asyncio.CancelledError:
            await self._release(fence, utcnow())
            raise
        except Exception:
            # A bug, not a cluster problem: keep the store, try again later.
            log.exception("reconciling store %s failed unexpectedly", fence.store_id)
            await self._release(
                fence, utcnow() + timedelta(seconds=self.settings.backoff_max_seconds)
            )

    async def _converge_present(self, store: Store, fence: Fence) -> None:
        if store.status in (StoreStatus.READY, StoreStatus.DEGRADED):
            await self._check_health(store, fence)
            return
        if store.applied_generation < store.generation:
            await self._step(store, fence, "namespace", self.steps.ensure_namespace)
            await self._step(store, fence, "secrets", self.steps.ensure_secrets)
            release = await self._step(
                store,
                fence,
                "release",
                self.steps.ensure_release,
                describe=lambda r: f"release revision {r.revision} {r.status}",
            )
            await self._write(
                fence, applied_generation=store.generation, release_revision=release.revision
            )
            store.applied_generation, store.release_revision = store.generation, release.revision
        await self._await_ready(store, fence)

    async def _await_ready(self, store: Store, fence: Fence) -> None:
        revision = store.release_revision or 0
        assessment = await self._step(
            store,
            fence,
            "readiness",
            lambda s: self.steps.observe(s, revision, require_setup=True),
            record=False,
        )
        now = utcnow()
        if assessment.verdict == Verdict.READY:
            storefront, admin = store_urls(store, self.settings.values_file(store.environment))
            elapsed = (now - store.created_at).total_seconds()
            self.metrics.provision_seconds.observe(elapsed)
            await self._finish(
                fence,
                now + timedelta(seconds=self.settings.health_check_seconds),
                [("readiness", "succeeded", f"store is ready at {storefront}")],
                status=StoreStatus.READY,
                status_reason=None,
                storefront_url=storefront,
                admin_url=admin,
                step=None,
                step_deadline_at=None,
                attempt=0,
            )
            return
        if assessment.verdict == Verdict.FAILED:
            await self._fail(fence, "readiness", assessment.reason)
        if assessment.missing and not await self._guard(
            store, fence, "readiness", self.steps.release_exists
        ):
            # The release vanished behind our back: install it again on the next pass.
            await self._finish(
                fence,
                now,
                [("readiness", "retrying", "release missing from the cluster; reinstalling")],
                applied_generation=0,
            )
            return
        deadline = store.step_deadline_at
        if deadline is not None and now >= deadline:
            await self._fail(
                fence,
                "readiness",
                f"not ready within {self.settings.ready_deadline_seconds:.0f}s: "
                f"{assessment.reason}",
            )
        events = []
        if assessment.reason != store.status_reason:
            events.append(("readiness", "waiting", assessment.reason))
        # Poll quickly at first (an instant cluster is ready in moments), then back off.
        waited = (now - (store.step_started_at or now)).total_seconds()
        delay = min(max(waited / 4, 0.05), self.settings.readiness_poll_seconds)
        await self._finish(
            fence, now + timedelta(seconds=delay), events, status_reason=assessment.reason
        )

    async def _check_health(self, store: Store, fence: Fence) -> None:
        revision = store.release_revision or 0
        now = utcnow()
        next_check = now + timedelta(seconds=self.settings.health_check_seconds)
        try:
            assessment = await self.steps.observe(store, revision, require_setup=False)
        except Exception as exc:
            # An API blip is no reason to call the store unhealthy; look again soon.
            error = as_step_error(exc)
            log.info("health check of %s failed: %s", store.id, error)
            await self._release(fence, now + timedelta(seconds=self._backoff(0)))
            return
        healthy = assessment.verdict == Verdict.READY
        if healthy and store.status == StoreStatus.DEGRADED:
            await self._finish(
                fence,
                next_check,
                [("health", "succeeded", "store healthy again")],
                status=StoreStatus.READY,
                status_reason=None,
            )
        elif not healthy and (
            store.status == StoreStatus.READY or store.status_reason != assessment.reason
        ):
            await self._finish(
                fence,
                next_check,
                [("health", "degraded", assessment.reason)],
                status=StoreStatus.DEGRADED,
                status_reason=assessment.reason,
            )
        else:
            await self._release(fence, next_check)

    async def _converge_absent(self, store: Store, fence: Fence) -> None:
        if store.step != "namespace-delete":
            await self._step(store, fence, "uninstall", self.steps.uninstall)
        gone = await self._step(
            store, fence, "namespace-delete", self.steps.delete_namespace, record=False
        )
        now = utcnow()
        if gone:
            await self._finish(
                fence,
                now,
                [("namespace-delete", "succeeded", f"namespace {store.namespace} is gone")],
                status=StoreStatus.DELETED,
                status_reason=None,
                deleted_at=now,
                step=None,
                step_deadline_at=None,
                storefront_url=None,
                admin_url=None,
            )
            return
        deadline = store.step_deadline_at
        if deadline is not None and now >= deadline:
            await self._fail(
                fence,
                "namespace-delete",
                f"namespace {store.namespace} still terminating after "
                f"{self.settings.delete_deadline_seconds:.0f}s",
            )
        reason = f"waiting for namespace {store.namespace} to terminate"
        events = [] if store.status_reason == reason else [("namespace-delete", "waiting", reason)]
        await self._finish(fence, now + timedelta(seconds=0.5), events, status_reason=reason)

    # --- step mechanics -------------------------------------------------------------------
    async def _step(
        self,
        store: Store,
        fence: Fence,
        step: str,
        action: Callable[[Store], Awaitable[T]],
        *,
        record: bool = True,
        describe: Callable[[T], str] | None = None,
    ) -> T:
        """Run one idempotent step with its deadline; on failure write the outcome (retry
        with backoff, or Failed) and end the pass with PassOver. A step the store has already
        passed is re-checked quietly, under the deadline of the step the store is at."""
        entering = _is_later(step, store.step)
        if entering:
            await self._enter_step(store, fence, step)
        elif step != store.step:
            record = False
        started = asyncio.get_running_loop().time()
        try:
            result = await action(store)
        except (asyncio.CancelledError, PassOver):
            raise
        except Exception as exc:
            self.metrics.steps.labels(step=step, outcome="error").inc()
            await self._step_failed(store, fence, step, as_step_error(exc))
        self.metrics.step_seconds.labels(step=step).observe(
            asyncio.get_running_loop().time() - started
        )
        self.metrics.steps.labels(step=step, outcome="ok").inc()
        if record:
            message = describe(result) if describe else str(result)
            await self._write(fence, events=[(step, "succeeded", message)], attempt=0)
            store.attempt = 0
        return result

    async def _guard(
        self, store: Store, fence: Fence, step: str, action: Callable[[Store], Awaitable[T]]
    ) -> T:
        """Run a read-only check inside the current step's retry rules."""
        try:
            return await action(store)
        except (asyncio.CancelledError, PassOver):
            raise
        except Exception as exc:
            await self._step_failed(store, fence, step, as_step_error(exc))

    async def _enter_step(self, store: Store, fence: Fence, step: str) -> None:
        now = utcnow()
        seconds = {
            "readiness": self.settings.ready_deadline_seconds,
            "namespace-delete": self.settings.delete_deadline_seconds,
        }.get(step, self.settings.step_deadline_seconds)
        deadline = now + timedelta(seconds=seconds)
        reason = STEP_DESCRIPTIONS[step]
        await self._write(
            fence,
            events=[(step, "started", reason)],
            step=step,
            step_deadline_at=deadline,
            step_started_at=now,
            attempt=0,
            status_reason=reason,
        )
        store.step, store.step_deadline_at, store.step_started_at = step, deadline, now
        store.attempt, store.status_reason = 0, reason

    async def _step_failed(
        self, store: Store, fence: Fence, step: str, error: StepError
    ) -> NoReturn:
        now = utcnow()
        if not error.transient:
            await self._fail(fence, step, f"{STEP_DESCRIPTIONS.get(step, step)} failed: {error}")
        delay = self._backoff(store.attempt)
        deadline = store.step_deadline_at
        if deadline is not None and now + timedelta(seconds=delay) > deadline:
            await self._fail(
                fence,
                step,
                f"{STEP_DESCRIPTIONS.get(step, step)} did not succeed before its deadline: {error}",
            )
        attempt = store.attempt + 1
        message = f"{error} (attempt {attempt}, retrying in {delay:.1f}s)"
        await self._finish(
            fence,
            now + timedelta(seconds=delay),
            [(step, "retrying", message)],
            attempt=attempt,
            status_reason=f"{STEP_DESCRIPTIONS.get(step, step)}: {message}",
        )

    async def _fail(self, fence: Fence, step: str, reason: str) -> NoReturn:
        """End the store in Failed with ``reason``; always raises PassOver."""
        log.warning("store %s failed at %s: %s", fence.store_id, step, reason)
        self.metrics.failures.labels(step=step).inc()
        await self._finish(
            fence,
            utcnow(),
            [(step, "failed", reason)],
            status=StoreStatus.FAILED,
            status_reason=reason,
            step=None,
            step_deadline_at=None,
        )
        raise PassOver

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff_initial_seconds * float(2 ** min(attempt, 16))
        jitter: float = random.uniform(0.8, 1.2)
        return min(base, self.settings.backoff_max_seconds) * jitter

    # --- writes ---------------------------------------------------------------------------
    async def _write(
        self, fence: Fence, events: list[tuple[str, str, str]] | None = None, **values: Any
    ) -> None:
        """Write progress while keeping the lease; PassOver if the fence no longer holds."""

        async def write(repository: StoreRepository) -> bool:
            if not await repository.fenced_update(fence, **values):
                return False
            for step, outcome, message in events or []:
                await repository.add_event(fence.store_id, step, outcome, message)
            return True

        if not await self._transaction(write):
            raise FenceLost
        _log_events(events or [])

    async def _finish(
        self, fence: Fence, next_due: datetime, events: list[tuple[str, str, str]], **values: Any
    ) -> NoReturn:
        """Write the pass's outcome and hand the lease back in one transaction."""

        async def finish(repository: StoreRepository) -> None:
            written = await repository.fenced_update(
                fence, lease_owner=None, lease_expires_at=None, next_attempt_at=next_due, **values
            )
            if written:
                for step, outcome, message in events:
                    await repository.add_event(fence.store_id, step, outcome, message)
            else:
                await repository.release(fence.store_id, fence.owner, None)

        await self._transaction(finish)
        _log_events(events)
        raise PassOver

    async def _release(self, fence: Fence, next_due: datetime | None) -> None:
        with contextlib.suppress(Exception):
            await self._transaction(
                lambda repository: repository.release(fence.store_id, fence.owner, next_due)
            )

    async def _transaction(self, work: Callable[[StoreRepository], Awaitable[T]]) -> T:
        """Run ``work`` in one committed transaction that a cancellation cannot cut in half.

        Passes are cancelled on purpose (a DELETE, shutdown, a lost lease). Cancelling in the
        middle of a transaction would leave its connection holding locks (on SQLite, the one
        write lock) until it is collected; so the transaction always runs to its end and the
        cancellation takes effect right after it.
        """

        async def run() -> T:
            async with self.sessions() as session:
                result = await work(StoreRepository(session))
                await session.commit()
                return result

        task = asyncio.ensure_future(run())
        try:
            return await asyncio.shield(task)
        except asyncio.CancelledError:
            with contextlib.suppress(Exception):
                await task
            raise


def _log_events(events: list[tuple[str, str, str]]) -> None:
    # The store's timeline, mirrored to the log (the store id comes from the log context).
    for step, outcome, message in events:
        log.info("%s %s: %s", step, outcome, message)
