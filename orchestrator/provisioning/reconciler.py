"""The reconciler: a level-based loop that drives every store towards its desired state.

Each pass re-reads the store and the cluster and runs the idempotent steps that are still
needed, so a crash anywhere is resumed by the next pass (on this replica or another). Work is
claimed through a lease on the store row, so two replicas never act on one store at once; a
heartbeat keeps our leases alive while passes run, and a pass whose lease or fence is lost
stops writing. Concurrency is bounded by ``max_concurrency`` passes in flight.

A pass reads top to bottom: ``_converge`` walks the steps the store still needs, each step
decides an ``Outcome`` (fields, events, and whether the pass ends), and ``_commit`` writes it:
the one place a pass writes.
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
from typing import Any, TypeVar

from opentelemetry.context import Context
from opentelemetry.trace import Status, StatusCode, Tracer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.backups.jobs import JobOutcome, Phase
from orchestrator.clock import Clock
from orchestrator.config import Settings
from orchestrator.control_loop import call_on
from orchestrator.logs import current_store
from orchestrator.metrics import Metrics
from orchestrator.models import DesiredState, Store, StoreStatus
from orchestrator.provisioning.backup_tracker import BackupTracker
from orchestrator.provisioning.errors import StepError, as_step_error
from orchestrator.provisioning.health import HealthMonitor
from orchestrator.provisioning.outcome import Changes, Event, EventOutcome, Outcome
from orchestrator.provisioning.readiness import Verdict
from orchestrator.provisioning.repair import data_lost_reason, repaired_message
from orchestrator.provisioning.sizing import running_versions, upgrade_summary
from orchestrator.provisioning.steps import Step, StoreSteps, claims_record
from orchestrator.provisioning.store_values import restore_pending, store_urls
from orchestrator.provisioning.transactions import in_transaction
from orchestrator.stores.repository import Fence, StoreRepository
from orchestrator.tracing import STORE_ID

log = logging.getLogger(__name__)
T = TypeVar("T")

# How often a namespace that is terminating is looked at again.
NAMESPACE_POLL = timedelta(seconds=0.5)


class Reconciler:
    def __init__(
        self,
        settings: Settings,
        sessions: async_sessionmaker[AsyncSession],
        steps: StoreSteps,
        metrics: Metrics,
        clock: Clock,
        tracer: Tracer,
    ) -> None:
        self.settings = settings
        self.sessions = sessions
        self.steps = steps
        self.metrics = metrics
        self.clock = clock
        self.tracer = tracer
        self.owner = settings.replica_id or (
            f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(3)}"
        )
        self._wake = asyncio.Event()
        self._passes: dict[str, asyncio.Task[None]] = {}
        self._background: list[asyncio.Task[None]] = []
        # The loop the reconciler runs on (orchestrator.control_loop): the API calls ``wake``
        # and ``interrupt`` from its own loop, and they act on this one.
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        health = HealthMonitor(
            self.settings, self.sessions, self.steps, self.clock, self.wake, self.tracer
        )
        tracker = BackupTracker(
            self.sessions, self.steps.objects, self.steps.jobs, self.metrics, self.clock
        )
        self.steps.objects.start(health.changed, tracker.changed)
        self._background = [
            asyncio.create_task(tracker.follow(), name="backup-tracker"),
            asyncio.create_task(self._dispatch_loop(), name="reconciler-dispatch"),
            asyncio.create_task(self._heartbeat_loop(), name="reconciler-heartbeat"),
            asyncio.create_task(health.follow_changes(), name="health-changes"),
            asyncio.create_task(health.resync(), name="health-resync"),
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
        await self.steps.objects.stop()
        with contextlib.suppress(Exception):
            await self._transaction(lambda repository: repository.release_all(self.owner))

    def wake(self) -> None:
        """Look for work now (a store was requested or retried). Callable from any loop."""
        call_on(self._loop, self._wake.set)

    def interrupt(self, store_id: str) -> None:
        """The store's desired state changed: abandon a pass in flight here and look again.
        Callable from any loop."""

        def abandon() -> None:
            task = self._passes.get(store_id)
            if task is not None:
                task.cancel()
            self._wake.set()

        call_on(self._loop, abandon)

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
            # asyncio.timeout, not wait_for: on Python 3.11 wait_for loses a cancellation that
            # arrives as the wake-up completes (stop() cancels passes, whose ends set the
            # wake-up, and the watches wake this loop at any moment), and this loop would
            # outlive stop().
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay):
                    await self._wake.wait()

    async def _dispatch(self) -> float:
        """Start passes for due stores; return how long to sleep before looking again."""
        free = self.settings.max_concurrency - len(self._passes)
        now = self.clock.now()
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
        wait = (next_due - self.clock.now()).total_seconds()
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
        until = self.clock.now() + timedelta(seconds=self.settings.lease_seconds)
        return await self._transaction(
            lambda repository: repository.renew_leases(self.owner, store_ids, until)
        )

    # --- one pass -------------------------------------------------------------------------
    async def _run_pass(self, store: Store, fence: Fence) -> None:
        current_store.set(store.id)
        try:
            # Each pass is a trace of its own: a store's life is many passes, hours apart.
            with self.tracer.start_as_current_span(
                "reconcile",
                context=Context(),
                attributes={
                    STORE_ID: store.id,
                    "woo.desired_state": str(fence.desired_state),
                    "woo.status": str(store.status),
                },
            ):
                await self._converge(store, fence)
        except asyncio.CancelledError:
            await self._release(fence, self.clock.now())
            raise
        except Exception:
            # A bug, not a cluster problem: keep the store, try again later.
            log.exception("reconciling store %s failed unexpectedly", fence.store_id)
            self.metrics.pass_errors.inc()
            await self._release(
                fence, self.clock.now() + timedelta(seconds=self.settings.backoff_max_seconds)
            )

    async def _converge(self, store: Store, fence: Fence) -> None:
        """Walk the steps the store still needs, committing what each decides, until one ends
        the pass (the last step always does) or the fence is lost."""
        for step in _steps_to_run(store, fence.desired_state):
            if step.is_later_than(_current_step(store)) and not await self._commit(
                store, fence, self._enter(step, store)
            ):
                return
            with self.tracer.start_as_current_span(
                f"step {step}", attributes={STORE_ID: store.id, "woo.step": str(step)}
            ) as span:
                try:
                    outcome = await self._perform(store, step)
                except StepError as error:
                    span.set_status(Status(StatusCode.ERROR, str(error)))
                    outcome = self._step_failed(store, step, error)
                if (
                    store.status == StoreStatus.UPGRADING
                    and outcome.changes.get("status") == StoreStatus.FAILED
                ):
                    # A plan or version change that failed: serve the revision before it.
                    outcome = await self._rolled_back(store, step, outcome)
            if not await self._commit(store, fence, outcome):
                return

    async def _perform(self, store: Store, step: Step) -> Outcome:
        """Run one step and decide what it means for the store; StepError when it failed."""
        match step:
            case Step.DATA:
                return await self._data_check(store)
            case Step.NAMESPACE:
                return _succeeded(
                    store, step, await self._run(step, self.steps.ensure_namespace(store))
                )
            case Step.SECRETS:
                return _succeeded(
                    store, step, await self._run(step, self.steps.ensure_secrets(store))
                )
            case Step.RELEASE:
                release = await self._run(step, self.steps.ensure_release(store))
                return _succeeded(
                    store,
                    step,
                    f"release revision {release.revision} {release.status}",
                    {"applied_generation": store.generation, "release_revision": release.revision},
                )
            case Step.SAFETY_BACKUP:
                return self._safety_backup(
                    store, await self._run(step, self.steps.safety_backup(store))
                )
            case Step.PAUSE:
                return await self._pause(store)
            case Step.RESTORE:
                name, job = await self._run(step, self.steps.restore(store))
                return self._restore(store, name, job)
            case Step.READINESS:
                return await self._readiness(store)
            case Step.UNINSTALL:
                return _succeeded(store, step, await self._run(step, self.steps.uninstall(store)))
            case Step.NAMESPACE_DELETE:
                return await self._namespace_deletion(store)

    # --- restore --------------------------------------------------------------------------
    def _safety_backup(self, store: Store, job: JobOutcome) -> Outcome:
        backup = store.safety_backup_id
        if job.phase == Phase.SUCCEEDED:
            snapshot = str((job.result or {}).get("short_id") or "")
            return Outcome(
                {"safety_backup_pending": False},
                (
                    Event(
                        Step.SAFETY_BACKUP,
                        EventOutcome.SUCCEEDED,
                        f"safety backup {backup} taken (snapshot {snapshot})",
                    ),
                ),
            )
        if job.phase == Phase.FAILED:
            return self._restore_abandoned(
                store, Step.SAFETY_BACKUP, f"the safety backup {backup} failed: {job.reason}"
            )
        return self._job_waiting(store, Step.SAFETY_BACKUP, f"taking safety backup {backup}")

    async def _pause(self, store: Store) -> Outcome:
        release, waiting = await self._run(Step.PAUSE, self.steps.pause(store))
        changes: Changes = {}
        if release is not None:
            changes = {
                "applied_generation": store.generation,
                "release_revision": release.revision,
            }
        if waiting is None:
            return _succeeded(store, Step.PAUSE, "storefront paused, MariaDB ready", changes)
        now = self.clock.now()
        deadline = store.step_deadline_at
        if deadline is not None and now >= deadline:
            return self._failed(
                store,
                Step.PAUSE,
                f"the storefront did not pause within "
                f"{self.settings.step_deadline_seconds:.0f}s: {waiting}",
            )
        events: tuple[Event, ...] = ()
        if waiting != store.status_reason:
            events = (Event(Step.PAUSE, EventOutcome.WAITING, waiting),)
        return Outcome(
            {**changes, "status_reason": waiting},
            events,
            next_due=now + timedelta(seconds=self.settings.readiness_poll_seconds),
        )

    def _restore(self, store: Store, name: str, job: JobOutcome) -> Outcome:
        backup = store.restore_backup_id
        kind = "clone" if store.restore_source_store_id != store.id else "restore"
        if job.phase == Phase.SUCCEEDED:
            self.metrics.restores.labels(kind=kind, outcome="succeeded").inc()
            return Outcome(
                {
                    "restore_backup_id": None,
                    "restore_snapshot_id": None,
                    "restore_source_store_id": None,
                    "restore_job": None,
                    # Install again: the release, unpaused, then readiness of the new revision.
                    "applied_generation": 0,
                    "status_reason": "backup restored; starting the storefront",
                },
                (
                    Event(
                        Step.RESTORE,
                        EventOutcome.SUCCEEDED,
                        f"backup {backup} restored by Job {name}; starting the storefront",
                    ),
                ),
                next_due=self.clock.now(),
            )
        if job.phase == Phase.FAILED:
            self.metrics.restores.labels(kind=kind, outcome="failed").inc()
            failed = self._failed(
                store, Step.RESTORE, f"restore Job {name} of backup {backup} failed: {job.reason}"
            )
            return Outcome({**failed.changes, "restore_job": None}, failed.events, failed.next_due)
        waiting = self._job_waiting(store, Step.RESTORE, f"restoring backup {backup} ({name})")
        if store.restore_job != name:
            return Outcome(
                {**waiting.changes, "restore_job": name}, waiting.events, waiting.next_due
            )
        return waiting

    def _job_waiting(self, store: Store, step: Step, doing: str) -> Outcome:
        """A backup or restore Job still running: look again soon (its change wakes the store
        at once), unless the step's deadline passed."""
        now = self.clock.now()
        deadline = store.step_deadline_at
        if deadline is not None and now >= deadline:
            limit = f"{self.settings.backup_deadline_seconds:.0f}s"
            reason = f"{doing}: no result within {limit}"
            if step == Step.SAFETY_BACKUP:
                return self._restore_abandoned(store, step, reason)
            return self._failed(store, step, reason)
        events: tuple[Event, ...] = ()
        if doing != store.status_reason:
            events = (Event(step, EventOutcome.WAITING, doing),)
        return Outcome(
            {"status_reason": doing},
            events,
            next_due=now + timedelta(seconds=self.settings.readiness_poll_seconds),
        )

    def _restore_abandoned(self, store: Store, step: Step, reason: str) -> Outcome:
        """A restore that failed before anything of the store changed: the store runs on with
        its data (Degraded, with the reason, until its next health verdict)."""
        log.warning("restore of store %s abandoned: %s", store.id, reason)
        self.metrics.restores.labels(kind="restore", outcome="abandoned").inc()
        message = f"restore abandoned, the store's data is unchanged: {reason}"
        return Outcome(
            {
                "status": StoreStatus.DEGRADED,
                "status_reason": message,
                "restore_backup_id": None,
                "restore_snapshot_id": None,
                "restore_source_store_id": None,
                "restore_job": None,
                "safety_backup_pending": False,
                "step": None,
                "step_deadline_at": None,
                "attempt": 0,
            },
            (Event(step, EventOutcome.FAILED, message),),
            next_due=self.clock.now(),
        )

    async def _data_check(self, store: Store) -> Outcome:
        """An installed store's release is about to be applied again: only over its data."""
        lost = await self._run(Step.DATA, self.steps.lost_data(store))
        if lost is None:
            return _succeeded(
                store, Step.DATA, "data intact: namespace, volume claims and Secrets present"
            )
        now = self.clock.now()
        reason = data_lost_reason(store, lost)
        log.warning("store %s lost its data: %s", store.id, lost)
        return Outcome(
            {
                "status": StoreStatus.DEGRADED,
                "status_reason": reason,
                "data_lost_at": now,
                "step": None,
                "step_deadline_at": None,
                "attempt": 0,
                "repair_reason": None,
            },
            (Event(Step.DATA, EventOutcome.FAILED, reason),),
            # Not claimed again until an operator chooses (NEEDS_WORK skips lost data).
            next_due=now,
        )

    async def _readiness(self, store: Store) -> Outcome:
        revision = store.release_revision or 0
        assessment = await self._run(
            Step.READINESS, self.steps.observe(store, revision, require_setup=True)
        )
        now = self.clock.now()
        if assessment.verdict == Verdict.READY and store.suspended:
            return Outcome(
                {
                    "status": StoreStatus.SUSPENDED,
                    "status_reason": assessment.reason,
                    "step": None,
                    "step_deadline_at": None,
                    "attempt": 0,
                    "repair_reason": None,
                },
                (Event(Step.READINESS, EventOutcome.SUCCEEDED, assessment.reason),),
                next_due=now,
            )
        if assessment.verdict == Verdict.READY:
            # Which claims hold the data, so that one replaced later is known for lost data.
            claims = store.data_claims or claims_record(
                await self._run(Step.READINESS, self.steps.data_claims(store))
            )
            storefront, admin = store_urls(store, self.settings.values_file(store.environment))
            message = f"store is ready at {storefront}"
            if store.status == StoreStatus.UPGRADING:
                message = f"{upgrade_summary(store)} done; {message}"
            timeline = [Event(Step.READINESS, EventOutcome.SUCCEEDED, message)]
            if store.status == StoreStatus.PROVISIONING:
                self.metrics.provision_seconds.observe((now - store.created_at).total_seconds())
            if store.repair_reason:
                timeline.append(
                    Event(
                        Step.READINESS,
                        EventOutcome.SUCCEEDED,
                        repaired_message(store, store.release_revision),
                    )
                )
            return Outcome(
                {
                    "status": StoreStatus.READY,
                    "status_reason": None,
                    "storefront_url": storefront,
                    "admin_url": admin,
                    "step": None,
                    "step_deadline_at": None,
                    "attempt": 0,
                    "repair_reason": None,
                    "data_claims": claims,
                }
                | running_versions(store, self.settings),
                tuple(timeline),
                # Never claimed while Ready: its health follows the watch cache.
                next_due=now,
            )
        if assessment.verdict == Verdict.FAILED:
            return self._failed(store, Step.READINESS, assessment.reason)
        if assessment.missing and not await _checked(self.steps.release_exists(store)):
            # The release vanished behind our back: install it again on the next pass.
            return Outcome(
                {"applied_generation": 0},
                (
                    Event(
                        Step.READINESS,
                        EventOutcome.RETRYING,
                        "release missing from the cluster; reinstalling",
                    ),
                ),
                next_due=now,
            )
        deadline = store.step_deadline_at
        if deadline is not None and now >= deadline:
            if store.status in (StoreStatus.READY, StoreStatus.DEGRADED):
                return self._repair_failed(store, assessment.reason)
            allowed = (
                self.settings.upgrade_ready_deadline_seconds
                if store.status == StoreStatus.UPGRADING
                else self.settings.ready_deadline_seconds
            )
            return self._failed(
                store, Step.READINESS, f"not ready within {allowed:.0f}s: {assessment.reason}"
            )
        events: tuple[Event, ...] = ()
        if assessment.reason != store.status_reason:
            events = (Event(Step.READINESS, EventOutcome.WAITING, assessment.reason),)
        # Poll quickly at first (an instant cluster is ready in moments), then back off.
        waited = (now - (store.step_started_at or now)).total_seconds()
        delay = min(max(waited / 4, 0.05), self.settings.readiness_poll_seconds)
        return Outcome(
            {"status_reason": assessment.reason}, events, next_due=now + timedelta(seconds=delay)
        )

    def _repair_failed(self, store: Store, reason: str) -> Outcome:
        """A repair that did not make an installed store healthy leaves it Degraded, not
        Failed: its data is there and it keeps serving what it can. The health monitor may
        schedule the next (bounded) attempt."""
        message = (
            f"repair did not make the store healthy within "
            f"{self.settings.ready_deadline_seconds:.0f}s: {reason}"
        )
        return Outcome(
            {
                "status": StoreStatus.DEGRADED,
                "status_reason": message,
                "step": None,
                "step_deadline_at": None,
                "attempt": 0,
                "repair_reason": None,
            },
            (Event(Step.READINESS, EventOutcome.FAILED, message),),
            next_due=self.clock.now(),
        )

    async def _namespace_deletion(self, store: Store) -> Outcome:
        gone = await self._run(Step.NAMESPACE_DELETE, self.steps.delete_namespace(store))
        now = self.clock.now()
        if gone:
            return Outcome(
                {
                    "status": StoreStatus.DELETED,
                    "status_reason": None,
                    "deleted_at": now,
                    "step": None,
                    "step_deadline_at": None,
                    "storefront_url": None,
                    "admin_url": None,
                },
                (
                    Event(
                        Step.NAMESPACE_DELETE,
                        EventOutcome.SUCCEEDED,
                        f"namespace {store.namespace} is gone",
                    ),
                ),
                next_due=now,
            )
        deadline = store.step_deadline_at
        if deadline is not None and now >= deadline:
            return self._failed(
                store,
                Step.NAMESPACE_DELETE,
                f"namespace {store.namespace} still terminating after "
                f"{self.settings.delete_deadline_seconds:.0f}s",
            )
        reason = f"waiting for namespace {store.namespace} to terminate"
        events: tuple[Event, ...] = ()
        if store.status_reason != reason:
            events = (Event(Step.NAMESPACE_DELETE, EventOutcome.WAITING, reason),)
        return Outcome({"status_reason": reason}, events, next_due=now + NAMESPACE_POLL)

    # --- step mechanics -------------------------------------------------------------------
    async def _run(self, step: Step, action: Awaitable[T]) -> T:
        """Run a step's action, timed and counted; a failure comes out as a StepError (our
        verdict on it: retry or stop)."""
        started = asyncio.get_running_loop().time()
        try:
            result = await action
        except Exception as exc:
            error = as_step_error(exc)
            outcome = "temporary_error" if error.transient else "permanent_error"
            self.metrics.steps.labels(step=step, outcome=outcome).inc()
            if error is exc:
                raise
            raise error from exc
        self.metrics.step_seconds.labels(step=step).observe(
            asyncio.get_running_loop().time() - started
        )
        self.metrics.steps.labels(step=step, outcome="ok").inc()
        return result

    def _enter(self, step: Step, store: Store) -> Outcome:
        now = self.clock.now()
        deadline = step.deadline(self.settings)
        if step == Step.READINESS and store.status == StoreStatus.UPGRADING:
            deadline = timedelta(seconds=self.settings.upgrade_ready_deadline_seconds)
        return Outcome(
            {
                "step": step,
                "step_deadline_at": now + deadline,
                "step_started_at": now,
                "attempt": 0,
                "status_reason": step.description,
            },
            (Event(step, EventOutcome.STARTED, step.description),),
        )

    def _step_failed(self, store: Store, step: Step, error: StepError) -> Outcome:
        """Retry with backoff while the step's deadline allows, else Failed."""
        now = self.clock.now()
        if not error.transient:
            return self._failed(store, step, f"{step.description} failed: {error}")
        delay = self._backoff(store.attempt)
        deadline = store.step_deadline_at
        if deadline is not None and now + timedelta(seconds=delay) > deadline:
            return self._failed(
                store, step, f"{step.description} did not succeed before its deadline: {error}"
            )
        attempt = store.attempt + 1
        message = f"{error} (attempt {attempt}, retrying in {delay:.1f}s)"
        return Outcome(
            {"attempt": attempt, "status_reason": f"{step.description}: {message}"},
            (Event(step, EventOutcome.RETRYING, message),),
            next_due=now + timedelta(seconds=delay),
        )

    def _failed(self, store: Store, step: Step, reason: str) -> Outcome:
        """End the store in Failed with ``reason`` (a safety backup that cannot be taken
        abandons its restore instead: nothing of the store has changed yet)."""
        if step == Step.SAFETY_BACKUP:
            return self._restore_abandoned(store, step, reason)
        log.warning("store %s failed at %s: %s", store.id, step, reason)
        self.metrics.failures.labels(step=step).inc()
        return Outcome(
            {
                "status": StoreStatus.FAILED,
                "status_reason": reason,
                "step": None,
                "step_deadline_at": None,
            },
            (Event(step, EventOutcome.FAILED, reason),),
            next_due=self.clock.now(),
        )

    async def _rolled_back(self, store: Store, step: Step, failed: Outcome) -> Outcome:
        """The change failed: serve the store's own plan and version again (what the revision
        before the change served, volumes kept at their size), and end Failed with the reason
        and what serves now. The store keeps its plan and version."""
        reason = failed.changes.get("status_reason") or "failed"
        summary = upgrade_summary(store)
        revision = store.rollback_revision
        changes: Changes = {
            **failed.changes,
            "target_plan": None,
            "target_version": None,
        }
        if revision is None:
            served = "no earlier revision to roll back to"
        else:
            before = (
                f"plan {store.plan}, version {store.version or 'unversioned'} "
                f"(what revision {revision} served)"
            )
            try:
                release = await self._run(step, self.steps.restore_release(store))
            except StepError as error:
                served = f"rollback to {before} failed: {error}"
            else:
                changes["release_revision"] = release.revision
                served = f"rolled back to {before}, now revision {release.revision}"
        self.metrics.upgrades_failed.inc()
        message = f"{summary} failed: {reason}; {served}"
        changes["status_reason"] = message
        return Outcome(
            changes, (*failed.events, Event(step, EventOutcome.FAILED, message)), failed.next_due
        )

    def _backoff(self, attempt: int) -> float:
        base = self.settings.backoff_initial_seconds * float(2 ** min(attempt, 16))
        jitter: float = random.uniform(0.8, 1.2)
        return min(base, self.settings.backoff_max_seconds) * jitter

    # --- writes ---------------------------------------------------------------------------
    async def _commit(self, store: Store, fence: Fence, outcome: Outcome) -> bool:
        """Write what a step decided, fenced; True when the pass goes on to its next step.

        Progress keeps the lease; an outcome that ends the pass hands the lease back in the same
        transaction. If the fence no longer holds (a DELETE, a retry, another replica), nothing
        is written and the lease is handed back at once, so the next pass starts from the new
        state."""
        if not outcome.writes:
            if outcome.ends_pass:
                await self._release(fence, outcome.next_due)
            return not outcome.ends_pass
        values: dict[str, Any] = {**outcome.changes, "updated_at": self.clock.now()}
        if outcome.next_due is not None:
            values.update(lease_owner=None, lease_expires_at=None, next_attempt_at=outcome.next_due)

        async def write(repository: StoreRepository) -> bool:
            if not await repository.fenced_update(fence, **values):
                await repository.release(fence.store_id, fence.owner, None)
                return False
            for event in outcome.events:
                await repository.add_event(fence.store_id, event.step, event.outcome, event.message)
            return True

        if not await self._transaction(write):
            return False
        _log_events(outcome.events)
        self._observe_step_durations(store, outcome.events)
        for name, value in outcome.changes.items():
            setattr(store, name, value)
        return not outcome.ends_pass

    def _observe_step_durations(self, store: Store, events: tuple[Event, ...]) -> None:
        """A step the store was at succeeded: record how long the store spent in it."""
        started = store.step_started_at
        for event in events:
            if event.outcome == EventOutcome.SUCCEEDED and event.step == store.step and started:
                seconds = (self.clock.now() - started).total_seconds()
                self.metrics.store_step_seconds.labels(step=event.step).observe(seconds)

    async def _release(self, fence: Fence, next_due: datetime | None) -> None:
        with contextlib.suppress(Exception):
            await self._transaction(
                lambda repository: repository.release(fence.store_id, fence.owner, next_due)
            )

    async def _transaction(self, work: Callable[[StoreRepository], Awaitable[T]]) -> T:
        return await in_transaction(self.sessions, work)


def _steps_to_run(store: Store, desired: DesiredState) -> list[Step]:
    """The steps of this pass, in order. Towards present: install (data check for a store
    that was Ready once, namespace, secrets, release) unless helm already installed this
    generation, then wait for readiness. Towards
    absent: uninstall unless the namespace is already being deleted, then delete it."""
    if desired == DesiredState.PRESENT and restore_pending(store):
        return _restore_steps(store)
    if desired == DesiredState.PRESENT:
        if store.applied_generation >= store.generation:
            return [Step.READINESS]
        install = [Step.NAMESPACE, Step.SECRETS, Step.RELEASE]
        # A store that was Ready once has data: its release is applied again (repair, suspend,
        # resume, retry) only after checking that the data is still there.
        if store.storefront_url is not None:
            install.insert(0, Step.DATA)
        return [*install, Step.READINESS]
    if store.step == Step.NAMESPACE_DELETE:
        return [Step.NAMESPACE_DELETE]
    return [Step.UNINSTALL, Step.NAMESPACE_DELETE]


def _restore_steps(store: Store) -> list[Step]:
    """A restore: the safety backup while it is still to be taken, the pause, the restore Job.
    A clone (Provisioning) first gets its namespace and credentials. Once the restore Job
    succeeded the store installs again (unpaused) and waits for readiness."""
    steps = []
    if store.status == StoreStatus.PROVISIONING:
        steps += [Step.NAMESPACE, Step.SECRETS]
    if store.safety_backup_pending and store.safety_backup_id:
        steps.append(Step.SAFETY_BACKUP)
    return [*steps, Step.PAUSE, Step.RESTORE]


def _current_step(store: Store) -> Step | None:
    # Looking a member up by value; mypy takes the members' __new__ for the signature.
    return Step(store.step) if store.step else None  # type: ignore[call-arg]


def _succeeded(store: Store, step: Step, message: str, changes: Changes | None = None) -> Outcome:
    """A step that did its work. Only the step the store is at goes into the timeline; earlier
    steps, re-checked on a later pass, pass quietly."""
    changes = changes or Changes()
    if step != store.step:
        return Outcome(changes)
    return Outcome({**changes, "attempt": 0}, (Event(step, EventOutcome.SUCCEEDED, message),))


async def _checked(check: Awaitable[T]) -> T:
    """A read-only check inside a step: its failure is the step's failure."""
    try:
        return await check
    except StepError:
        raise
    except Exception as exc:
        raise as_step_error(exc) from exc


def _log_events(events: tuple[Event, ...]) -> None:
    # The store's timeline, mirrored to the log (the store id comes from the log context).
    for event in events:
        log.info("%s %s: %s", event.step, event.outcome, event.message)
