"""Request and response bodies of the day-2 routes (public: the dashboard's client is generated
from them)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

# Bounds of a log read: lines asked of the API server, and bytes it may send back.
MAX_TAIL_LINES = 1000
DEFAULT_TAIL_LINES = 200
MAX_LOG_BYTES = 256 * 1024
MAX_WARNINGS = 50


class ReconcileRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    recreate_empty: bool = Field(
        default=False,
        description="Only for a store whose data is lost: provision it again from nothing "
        "(new credentials, empty database). Nothing of the lost data comes back.",
    )


class ContainerOut(BaseModel):
    name: str
    image: str
    ready: bool
    restarts: int
    state: str = Field(description="running, waiting or terminated")
    reason: str | None = Field(description="Why it is waiting or terminated, if it is.")
    last_termination_reason: str | None


class PodOut(BaseModel):
    name: str
    component: str | None = Field(description="The chart component: wordpress, mariadb, ...")
    phase: str
    ready: bool
    restarts: int
    last_termination_reason: str | None
    image: str = Field(description="The image of the pod's first container.")
    containers: list[ContainerOut]
    created_at: datetime | None


class WarningOut(BaseModel):
    reason: str
    message: str
    object: str = Field(description="Kind/name of the object the warning is about.")
    count: int
    last_seen: datetime | None


class WarningList(BaseModel):
    items: list[WarningOut]


class WorkloadsOut(BaseModel):
    pods: list[PodOut]
    warnings: list[WarningOut] = Field(description="The namespace's recent Warning events.")


class LogOut(BaseModel):
    pod: str
    container: str
    tail: int
    previous: bool = Field(description="The log of the instance before the last restart.")
    lines: list[str] = Field(description="The last lines, oldest first, secret values redacted.")
    truncated: bool = Field(description=f"True when the log was cut at {MAX_LOG_BYTES} bytes.")
