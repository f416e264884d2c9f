"""HTTP routes of the backup API. Routes translate HTTP to service calls and commit once."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, status

from orchestrator.backups.schemas import BackupList, BackupOut, RestoreRequest
from orchestrator.deps import (
    READ,
    WRITE,
    BackupServiceDep,
    ReconcilerDep,
    SessionDep,
    StoreServiceDep,
)
from orchestrator.edges.bodies import require_json_body
from orchestrator.models import Backup
from orchestrator.stores.schemas import ErrorOut, StoreOut

ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "Missing or wrong bearer token"},
    403: {"model": ErrorOut, "description": "The token's scope does not allow this"},
    404: {"model": ErrorOut, "description": "No such store or backup"},
    409: {
        "model": ErrorOut,
        "description": "Backups are off, the store's status does not allow it, the backup did "
        "not succeed, or a backup is already running",
    },
    415: {"model": ErrorOut, "description": "The body is not JSON"},
    422: {"model": ErrorOut, "description": "Invalid input; nothing was changed"},
    503: {"model": ErrorOut, "description": "The cluster did not accept the backup Job"},
}
Limit = Annotated[int, Query(ge=1, le=500, description="Newest first, at most this many.")]

router = APIRouter(tags=["backups"], dependencies=[Depends(require_json_body)], responses=ERRORS)


@router.post(
    "/stores/{store_id}/backups",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="createBackup",
    dependencies=[WRITE],
)
async def create_backup(store_id: str, service: BackupServiceDep, session: SessionDep) -> BackupOut:
    """Back a Ready or Degraded store up now: a Job from its backup CronJob starts at once, and
    the backup is `Running` until the Job ends (`Succeeded` with its snapshot, or `Failed`)."""
    backup, job = await service.back_up_now(store_id)
    await session.commit()
    try:
        await service.launch(backup, job)
    finally:
        # A refused Job leaves the backup Failed, with the reason.
        await session.commit()
    return to_backup_out(backup)


@router.get("/stores/{store_id}/backups", operation_id="listStoreBackups", dependencies=[READ])
async def list_store_backups(
    store_id: str, service: BackupServiceDep, limit: Limit = 100
) -> BackupList:
    """The store's backups, newest first: scheduled, manual and safety backups."""
    backups = await service.of_store(store_id, limit)
    return BackupList(items=[to_backup_out(backup) for backup in backups])


@router.get(
    "/stores/{store_id}/backups/{backup_id}", operation_id="getStoreBackup", dependencies=[READ]
)
async def get_store_backup(store_id: str, backup_id: str, service: BackupServiceDep) -> BackupOut:
    return to_backup_out(await service.get(store_id, backup_id))


@router.post(
    "/stores/{store_id}/restore",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="restoreStore",
    dependencies=[WRITE],
)
async def restore_store(
    store_id: str,
    body: RestoreRequest,
    service: BackupServiceDep,
    stores: StoreServiceDep,
    session: SessionDep,
    reconciler: ReconcilerDep,
) -> StoreOut:
    """Replace the store's data with one of its Succeeded backups. The store turns `Restoring`:
    a safety backup first (unless `safety_backup` is false), the storefront paused, the
    restore Job, the storefront back, then `Ready`. A failure before the restore Job started
    leaves the data as it was (the store turns `Degraded` with the reason); a failed restore
    Job ends `Failed` with the reason (`retry` runs the restore again)."""
    store = await service.request_restore(store_id, body)
    await session.commit()
    reconciler.wake()
    return await stores.shown(store)


@router.get("/backups", operation_id="listBackups", dependencies=[READ])
async def list_backups(
    service: BackupServiceDep,
    store_id: Annotated[str, Query(min_length=1, max_length=36, description="The store's id.")],
    limit: Limit = 100,
) -> BackupList:
    """A store's backups, also once the store is deleted (they are kept for
    WOO_BACKUP_GRACE_DAYS and can seed a clone: POST /stores with clone_from)."""
    backups = await service.of_any_store(store_id, limit)
    return BackupList(items=[to_backup_out(backup) for backup in backups])


def to_backup_out(backup: Backup) -> BackupOut:
    return BackupOut(
        id=backup.id,
        store_id=backup.store_id,
        store_name=backup.store_name,
        kind=backup.kind,
        status=backup.status,
        reason=backup.reason,
        snapshot_id=backup.snapshot_id,
        size_bytes=backup.size_bytes,
        started_at=backup.started_at,
        finished_at=backup.finished_at,
        expires_at=backup.expires_at,
    )
