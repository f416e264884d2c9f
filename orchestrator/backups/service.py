"""The rules of backups and restores as seen from the API. Services never commit.

An on-demand backup is a Job created at once from the store's backup CronJob; its outcome is
learnt from the Job (``backups.tracker``), like the scheduled ones. A restore is recorded on the
store, which turns ``Restoring``; the reconciler does the rest (safety backup, pause, restore
Job, unpause, readiness).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from orchestrator.backups.jobs import (
    BACKUP,
    BACKUP_ID_LABEL,
    BACKUP_KIND_LABEL,
    JobTemplateMissing,
    StoreJobs,
    job_name,
)
from orchestrator.backups.repository import BackupRepository
from orchestrator.backups.schemas import RestoreRequest
from orchestrator.clock import Clock
from orchestrator.config import Settings
from orchestrator.errors import (
    BackupsDisabled,
    Conflict,
    FieldError,
    InvalidRequest,
    InvalidTransition,
    NotFound,
    Unavailable,
)
from orchestrator.kube.client import Json
from orchestrator.kube.errors import KubeError
from orchestrator.models import Backup, BackupKind, BackupStatus, Store, StoreStatus
from orchestrator.stores.repository import StoreRepository

# Stores whose data may be backed up or replaced: running ones.
ACTIVE = (StoreStatus.READY, StoreStatus.DEGRADED)
BACKUP_STEP = "backup"
RESTORE_STEP = "restore"


class BackupService:
    def __init__(
        self,
        backups: BackupRepository,
        stores: StoreRepository,
        settings: Settings,
        clock: Clock,
        jobs: StoreJobs,
    ) -> None:
        self.backups = backups
        self.stores = stores
        self.settings = settings
        self.clock = clock
        self.jobs = jobs

    async def back_up_now(self, store_id: str) -> tuple[Backup, Json]:
        """Record a manual backup of a running store (one manual or safety backup at a time)
        and build its Job; the caller commits, then ``launch``es it, so the row exists before
        the Job the watch will report."""
        self._require_enabled()
        store = await self._active_store(store_id, "backed up")
        running = await self.backups.running(store.id, (BackupKind.MANUAL, BackupKind.SAFETY))
        if running is not None:
            raise Conflict(f"backup {running.id} of this store is still running")
        backup_id = str(uuid.uuid4())
        name = job_name(BACKUP, backup_id)
        try:
            job = await self.jobs.build(
                store.namespace,
                BACKUP,
                name,
                labels={BACKUP_ID_LABEL: backup_id, BACKUP_KIND_LABEL: BackupKind.MANUAL.value},
                env={"BACKUP_KIND": BackupKind.MANUAL.value},
            )
        except JobTemplateMissing as exc:
            raise InvalidTransition(str(exc)) from exc
        except KubeError as exc:
            raise Unavailable(f"the store's backup CronJob could not be read: {exc}") from exc
        backup = Backup(
            id=backup_id,
            store_id=store.id,
            store_name=store.store_name,
            namespace=store.namespace,
            job_name=name,
            kind=BackupKind.MANUAL,
            status=BackupStatus.RUNNING,
            started_at=self.clock.now(),
        )
        await self.backups.add(backup)
        await self.stores.add_event(
            store.id, BACKUP_STEP, "started", f"manual backup {backup_id} started ({name})"
        )
        return backup, job

    async def launch(self, backup: Backup, job: Json) -> None:
        """Create the recorded backup's Job. If the cluster refuses, the backup is recorded
        Failed (the caller commits that) and Unavailable raised."""
        try:
            await self.jobs.kube.create_job(backup.namespace, job)
        except KubeError as exc:
            reason = f"the backup Job could not be created: {exc}"
            await self.backups.finish(
                backup, BackupStatus.FAILED, at=self.clock.now(), reason=reason
            )
            await self.stores.add_event(
                backup.store_id, BACKUP_STEP, "failed", f"manual backup {backup.id}: {reason}"
            )
            raise Unavailable(reason) from exc

    async def of_store(self, store_id: str, limit: int) -> Sequence[Backup]:
        await self._store(store_id)
        return await self.backups.of_store(store_id, limit)

    async def of_any_store(self, store_id: str, limit: int) -> Sequence[Backup]:
        """A store's backups, also after the store (even its row) is gone."""
        return await self.backups.of_store(store_id, limit)

    async def get(self, store_id: str, backup_id: str) -> Backup:
        await self._store(store_id)
        backup = await self.backups.get(backup_id)
        if backup is None or backup.store_id != store_id:
            raise NotFound(f"backup {backup_id} of store {store_id} not found")
        return backup

    async def request_restore(self, store_id: str, request: RestoreRequest) -> Store:
        """Replace a running store's data with one of its own Succeeded backups: the store turns
        Restoring and the reconciler takes over."""
        self._require_enabled()
        store = await self._active_store(store_id, "restored")
        if store.data_lost_at is not None:
            # A restore runs over the store's own volumes and credentials, which are gone.
            raise InvalidTransition(
                f"store {store.id} lost its data ({store.status_reason}); a restore needs its "
                "volumes: delete it, then POST /stores with clone_from (its store_id and a "
                "backup_id) to bring it back from a backup, under its name if you like; or "
                'reconcile it with {"recreate_empty": true}'
            )
        backup = await self.backups.get(request.backup_id)
        if backup is None:
            raise NotFound(f"backup {request.backup_id} not found")
        if backup.store_id != store.id:
            problem = (
                f"is a backup of store {backup.store_id}; a store is restored only from its own "
                "backups (to start a store from another's, POST /stores with clone_from)"
            )
            raise InvalidRequest(f"backup_id: {problem}", [FieldError("backup_id", problem)])
        if backup.status != BackupStatus.SUCCEEDED or not backup.snapshot_id:
            raise InvalidTransition(
                f"backup {backup.id} is {backup.status}; only a Succeeded backup can be restored"
            )
        now = self.clock.now()
        store.status = StoreStatus.RESTORING
        store.status_reason = f"restore of backup {backup.id} requested"
        store.restore_backup_id = backup.id
        store.restore_snapshot_id = backup.snapshot_id
        store.restore_source_store_id = store.id
        store.safety_backup_id = str(uuid.uuid4()) if request.safety_backup else None
        store.safety_backup_pending = request.safety_backup
        store.restore_job = None
        store.step = None
        store.step_deadline_at = None
        store.attempt = 0
        store.next_attempt_at = now
        store.updated_at = now
        safety = "after a safety backup" if request.safety_backup else "without a safety backup"
        await self.stores.add_event(
            store.id,
            RESTORE_STEP,
            "accepted",
            f"restore of backup {backup.id} (snapshot {backup.snapshot_id[:8]}, "
            f"{backup.finished_at or backup.started_at:%Y-%m-%d %H:%M} UTC) requested, {safety}",
        )
        return store

    def _require_enabled(self) -> None:
        if not self.settings.backups_enabled:
            raise BackupsDisabled("backups are off on this platform (no WOO_BACKUP_ENDPOINT)")

    async def _store(self, store_id: str) -> Store:
        store = await self.stores.get(store_id)
        if store is None:
            raise NotFound(f"store {store_id} not found")
        return store

    async def _active_store(self, store_id: str, what: str) -> Store:
        store = await self._store(store_id)
        if store.desired_state != "present" or store.status not in ACTIVE:
            raise InvalidTransition(
                f"only a Ready or Degraded store can be {what}; this one is {store.status}"
            )
        return store
