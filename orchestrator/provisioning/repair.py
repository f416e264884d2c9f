"""Repairing installed stores: when a Degraded store gets its release applied again, and what
an operator is told when its data is gone.

A repair is a new generation of the store: the reconciler applies the release again with the
same values (helm upgrade; existing Secrets are kept, claims are never touched), after checking
that the namespace, the data claims and the Secrets are all still there. Automatic repairs are
bounded: a store that keeps breaking is repaired ``WOO_REPAIR_MAX_ATTEMPTS`` times, each after
twice the wait of the one before, and then left Degraded for an operator (``POST
/stores/{id}/reconcile``). The count is forgotten once the last repair is an hour old.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from orchestrator.config import Settings
from orchestrator.models import Store

# Repairs further apart than this count as unrelated breakages.
REPAIR_MEMORY = timedelta(hours=1)


@dataclass(frozen=True)
class RepairPlan:
    """An automatic repair to schedule (``due`` set), or the news that the attempts are spent."""

    attempt: int
    due: datetime | None

    def store_changes(self, store: Store, reason: str, now: datetime) -> dict[str, Any]:
        """The store's fields that schedule this repair: a new generation, due later."""
        assert self.due is not None
        return {
            "generation": store.generation + 1,
            "next_attempt_at": self.due,
            "repair_attempts": self.attempt,
            "last_repair_at": now,
            "repair_reason": reason,
        }


def plan_repair(store: Store, settings: Settings, now: datetime) -> RepairPlan | None:
    """What to do about a store that has just been judged unhealthy. None: nothing (repairs are
    off, one is pending already, the store is suspended or its data is lost)."""
    if (
        settings.repair_max_attempts == 0
        or store.suspended
        or store.data_lost_at is not None
        or store.applied_generation < store.generation
    ):
        return None
    attempts = store.repair_attempts
    if store.last_repair_at is None or now - store.last_repair_at > REPAIR_MEMORY:
        attempts = 0
    if attempts >= settings.repair_max_attempts:
        return RepairPlan(attempt=attempts, due=None)
    delay = settings.repair_backoff_seconds * 2**attempts
    return RepairPlan(attempt=attempts + 1, due=now + timedelta(seconds=delay))


def scheduled_message(plan: RepairPlan, settings: Settings, now: datetime) -> str:
    assert plan.due is not None
    return (
        f"automatic repair {plan.attempt} of {settings.repair_max_attempts} in "
        f"{(plan.due - now).total_seconds():.0f}s: the release will be applied again with the "
        "same values"
    )


def gave_up_message(store: Store, plan: RepairPlan) -> str:
    return (
        f"no automatic repair: {plan.attempt} attempts within the last hour did not keep it "
        f"healthy; POST /stores/{store.id}/reconcile to repair it"
    )


def data_lost_reason(store: Store, what: str) -> str:
    """The status_reason of a store whose data is gone: what is gone and the operator's
    choices. Nothing is recreated until one is made."""
    return (
        f"data lost: {what}; nothing was recreated. Choose: recreate it empty "
        f'(POST /stores/{store.id}/reconcile with {{"recreate_empty": true}}), restore a '
        "backup, or delete the store"
    )


def repaired_message(store: Store, revision: int | None) -> str:
    return (
        f"repaired: release applied again (revision {revision}) with the same values, "
        f"Secrets and volume claims kept; restored what was wrong: {store.repair_reason}"
    )
