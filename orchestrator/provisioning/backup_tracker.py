"""Backups as the cluster reports them: every backup Job (scheduled by the store's CronJob, or
created by the platform) becomes a row of ``backups`` and entries on the store's timeline.

Fed by the watch cache (one cluster-wide watch of Jobs labelled ``woo-platform/task``), never by
polling stores: a change to a backup Job is looked at once; a Job that finished is read once
more, with its pods, for the result line its container left as termination message. Writes are
idempotent (a row is created once, finished once), so replicas that all see the same change
write it once, and a restart simply looks at every Job still in the cluster again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from orchestrator.backups.jobs import (
    BACKUP,
    BACKUP_ID_LABEL,
    BACKUP_KIND_LABEL,
    TASK_LABEL,
    JobOutcome,
    Phase,
    StoreJobs,
    phase_of,
    scheduled_backup_id,
)
from orchestrator.backups.repository import BackupRepository
from orchestrator.clock import Clock
from orchestrator.kube.client import Json
from orchestrator.metrics import Metrics
from orchestrator.models import Backup, BackupKind, BackupStatus
from orchestrator.provisioning.store_objects import StoreObjects
from orchestrator.provisioning.transactions import in_transaction
from orchestrator.stores.repository import StoreRepository

log = logging.getLogger(__name__)

COALESCE_SECONDS = 0.2
STEP = "backup"


class BackupTracker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        objects: StoreObjects,
        jobs: StoreJobs,
        metrics: Metrics,
        clock: Clock,
    ) -> None:
        self.sessions = sessions
        self.objects = objects
        self.jobs = jobs
        self.metrics = metrics
        self.clock = clock
        self._pending: set[str] = set()
        self._signal = asyncio.Event()
        # The phase last recorded per Job, so an unchanged Job costs no statement.
        self._recorded: dict[tuple[str, str], Phase] = {}

    def changed(self, namespace: str) -> None:
        """Called by the watch cache, on the event loop, for a change to a task Job."""
        self._pending.add(namespace)
        self._signal.set()

    async def follow(self) -> None:
        await self.objects.wait_synced()
        self._pending.update(self.objects.task_namespaces())
        self._signal.set()
        while True:
            await self._signal.wait()
            await asyncio.sleep(COALESCE_SECONDS)
            self._signal.clear()
            namespaces, self._pending = self._pending, set()
            for namespace in sorted(namespaces):
                try:
                    await self.record(namespace)
                except Exception:
                    # Looked at again on the Job's next change, or after a restart.
                    log.exception("recording the backups of namespace %s failed", namespace)

    async def record(self, namespace: str) -> None:
        jobs = [
            job
            for job in self.objects.task_jobs(namespace)
            if ((job.get("metadata") or {}).get("labels") or {}).get(TASK_LABEL) == BACKUP
        ]
        names = set()
        for job in jobs:
            name = str(job["metadata"]["name"])
            names.add(name)
            phase, _ = phase_of(job)
            if self._recorded.get((namespace, name)) == phase:
                continue
            outcome = JobOutcome(phase)
            if phase != Phase.RUNNING:
                # After a restart every finished Job in the cluster is seen again: its pods are
                # read only when its backup has not been recorded as ended already.
                if await in_transaction(self.sessions, self._ended(job)):
                    self._recorded[(namespace, name)] = phase
                    continue
                outcome = await self.jobs.outcome_of(namespace, job, BACKUP)
            await in_transaction(self.sessions, self._writer(namespace, job, outcome))
            self._recorded[(namespace, name)] = phase
        for key in [key for key in self._recorded if key[0] == namespace and key[1] not in names]:
            del self._recorded[key]

    @staticmethod
    def _ended(job: Json) -> Callable[[StoreRepository], Awaitable[bool]]:
        async def ended(stores: StoreRepository) -> bool:
            backup = await BackupRepository(stores.session).get(_backup_id(job))
            return backup is not None and backup.status != BackupStatus.RUNNING

        return ended

    def _writer(
        self, namespace: str, job: Json, outcome: JobOutcome
    ) -> Callable[[StoreRepository], Awaitable[None]]:
        return lambda repository: self._write(repository, namespace, job, outcome)

    async def _write(
        self, stores: StoreRepository, namespace: str, job: Json, outcome: JobOutcome
    ) -> None:
        found = await stores.in_namespaces([namespace])
        if not found:
            return  # not a live store's namespace
        store = found[0]
        backups = BackupRepository(stores.session)
        meta = job["metadata"]
        labels = meta.get("labels") or {}
        backup_id = _backup_id(job)
        backup = await backups.get(backup_id)
        if backup is None:
            kind = _kind(labels.get(BACKUP_KIND_LABEL))
            backup = Backup(
                id=backup_id,
                store_id=store.id,
                store_name=store.store_name,
                namespace=namespace,
                job_name=meta["name"],
                kind=kind,
                status=BackupStatus.RUNNING,
                started_at=_started(job) or self.clock.now(),
            )
            await backups.add(backup)
            await stores.add_event(
                store.id, STEP, "started", f"{kind} backup {backup_id} started ({meta['name']})"
            )
        if outcome.phase == Phase.RUNNING:
            return
        result = outcome.result or {}
        if outcome.phase == Phase.SUCCEEDED:
            snapshot = str(result.get("snapshot_id") or "")
            size = result.get("total_bytes")
            if not await backups.finish(
                backup,
                BackupStatus.SUCCEEDED,
                at=self.clock.now(),
                snapshot_id=snapshot,
                size_bytes=int(size) if isinstance(size, int) else None,
            ):
                return
            self.metrics.backups.labels(kind=backup.kind, outcome="succeeded").inc()
            message = f"{backup.kind} backup {backup.id} succeeded: snapshot {snapshot[:8]}"
            if isinstance(size, int):
                message += f", {size} bytes"
            if result.get("retention") == "failed":
                message += " (the retention policy could not be applied; retried next backup)"
            await stores.add_event(store.id, STEP, "succeeded", message)
            return
        reason = outcome.reason or "the backup Job failed"
        if await backups.finish(backup, BackupStatus.FAILED, at=self.clock.now(), reason=reason):
            self.metrics.backups.labels(kind=backup.kind, outcome="failed").inc()
            await stores.add_event(
                store.id, STEP, "failed", f"{backup.kind} backup {backup.id} failed: {reason}"
            )


def _backup_id(job: Json) -> str:
    meta = job["metadata"]
    label = (meta.get("labels") or {}).get(BACKUP_ID_LABEL)
    return str(label) if label else scheduled_backup_id(str(meta.get("uid")))


def _kind(label: str | None) -> BackupKind:
    try:
        return BackupKind(label) if label else BackupKind.SCHEDULED
    except ValueError:
        return BackupKind.SCHEDULED


def _started(job: Json) -> datetime | None:
    stamp = (job.get("status") or {}).get("startTime") or job["metadata"].get("creationTimestamp")
    if not stamp:
        return None
    try:
        return datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return None
