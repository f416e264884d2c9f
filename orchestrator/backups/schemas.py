"""Request and response bodies of the backup API (part of the OpenAPI contract)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.models import BackupKind, BackupStatus


class BackupOut(BaseModel):
    id: str
    store_id: str
    store_name: str
    kind: BackupKind = Field(
        description="scheduled (the store's CronJob), manual, or safety (taken before a restore)"
    )
    status: BackupStatus
    reason: str | None = Field(description="Why the backup failed.")
    snapshot_id: str | None = Field(description="The restic snapshot, once it succeeded.")
    size_bytes: int | None = Field(description="Size of the store's data in the snapshot.")
    started_at: datetime
    finished_at: datetime | None
    expires_at: datetime | None = Field(
        description="Set once the store is deleted: the backup is forgotten after this."
    )


class BackupList(BaseModel):
    items: list[BackupOut]


class RestoreRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    backup_id: str = Field(
        min_length=1,
        max_length=36,
        description="A Succeeded backup of "
        "this store (another store's backup seeds a clone instead).",
    )
    safety_backup: bool = Field(
        default=True,
        description="Back the store up first, so the restore can be undone.",
    )
