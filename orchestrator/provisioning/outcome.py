"""What a step of a reconciler pass decides: the store's fields to change, the events to add to
its timeline, and whether the pass ends (and when the store is due again). Steps only decide;
the reconciler commits each outcome in one place, fenced."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Final, Literal, TypedDict

from orchestrator.models import StoreStatus
from orchestrator.provisioning.steps import Step

# The timeline entry of a periodic health check, which is not a step of a sequence.
HEALTH: Final = "health"


class EventOutcome(StrEnum):
    STARTED = "started"
    SUCCEEDED = "succeeded"
    WAITING = "waiting"
    RETRYING = "retrying"
    FAILED = "failed"
    DEGRADED = "degraded"


@dataclass(frozen=True)
class Event:
    """One entry of the store's timeline."""

    step: Step | Literal["health"]
    outcome: EventOutcome
    message: str


class Changes(TypedDict, total=False):
    """The store fields a pass may change."""

    status: StoreStatus
    status_reason: str | None
    storefront_url: str | None
    admin_url: str | None
    deleted_at: datetime
    applied_generation: int
    release_revision: int
    step: Step | None
    step_started_at: datetime
    step_deadline_at: datetime | None
    attempt: int
    data_lost_at: datetime | None
    repair_reason: str | None
    data_claims: str | None


@dataclass(frozen=True)
class Outcome:
    """``next_due`` unset: progress, written while the pass keeps its lease and goes on.
    ``next_due`` set: the pass ends, hands its lease back, and the store is due again then."""

    changes: Changes = field(default_factory=lambda: Changes())
    events: tuple[Event, ...] = ()
    next_due: datetime | None = None

    @property
    def ends_pass(self) -> bool:
        return self.next_due is not None

    @property
    def writes(self) -> bool:
        return bool(self.changes or self.events)
