"""What a rollout does next, decided from the database alone (level-based, so a restart, or
another replica, simply carries on): follow the upgrades under way, start the current wave's,
and when the wave is done, halt (its failures exceed max_failure_ratio), finish, or move on.

The store reconciler does the upgrades themselves: a rollout only asks for them, as
PATCH /stores/{id} does, and reads how they ended.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from orchestrator.clock import Clock
from orchestrator.models import (
    DesiredState,
    Rollout,
    RolloutStatus,
    RolloutStore,
    RolloutStoreState,
    Store,
    StoreStatus,
)
from orchestrator.rollouts.repository import RolloutRepository
from orchestrator.versions.service import StoreChangeService


@dataclass
class Progress:
    started: int = 0  # upgrades asked for in this tick (the reconciler should wake)


async def advance(
    rollout: Rollout,
    repository: RolloutRepository,
    changes: StoreChangeService,
    clock: Clock,
) -> Progress:
    """One look at ``rollout`` (locked by the caller for this transaction)."""
    progress = Progress()
    now = clock.now()
    entries = await repository.entries(rollout.id, lock_stores=True)
    for entry, store in entries:
        if entry.state == RolloutStoreState.UPGRADING:
            _follow(entry, store, rollout.target_version, now)
    while rollout.status == RolloutStatus.RUNNING:
        wave = [(e, s) for e, s in entries if e.wave == rollout.current_wave]
        if not wave:
            _finish(rollout, entries, now)
            break
        for entry, store in wave:
            if entry.state == RolloutStoreState.PENDING:
                await _start(entry, store, rollout.target_version, changes, now, progress)
        if any(entry.state == RolloutStoreState.UPGRADING for entry, _ in wave):
            rollout.status_reason = _wave_name(rollout.current_wave) + " upgrading"
            break
        if _halts(rollout, wave, now):
            break
        rollout.current_wave += 1
    rollout.updated_at = now
    return progress


def _follow(entry: RolloutStore, store: Store, target: str, now: datetime) -> None:
    """An upgrade under way: has it ended, and how?"""
    if store.status == StoreStatus.UPGRADING and store.desired_state == DesiredState.PRESENT:
        return
    if store.status == StoreStatus.READY and store.version == target:
        _mark(entry, RolloutStoreState.SUCCEEDED, f"upgraded to {target}", now)
    elif store.desired_state == DesiredState.ABSENT or store.status == StoreStatus.DELETED:
        _mark(entry, RolloutStoreState.FAILED, "the store was deleted during its upgrade", now)
    else:
        reason = store.status_reason or f"the store is {store.status}"
        _mark(entry, RolloutStoreState.FAILED, reason, now)


async def _start(
    entry: RolloutStore,
    store: Store,
    target: str,
    changes: StoreChangeService,
    now: datetime,
    progress: Progress,
) -> None:
    if store.pinned:
        _mark(entry, RolloutStoreState.SKIPPED_PINNED, "pinned", now)
        return
    if store.version == target and store.status in (StoreStatus.READY, StoreStatus.DEGRADED):
        _mark(entry, RolloutStoreState.SUCCEEDED, f"already at {target}", now)
        return
    refusal = changes.upgrade_refusal(store)
    if refusal:
        _mark(entry, RolloutStoreState.FAILED, f"not upgraded: {refusal}", now)
        return
    entry.from_version = store.version
    await changes.start_upgrade(store, version=target)
    _mark(
        entry,
        RolloutStoreState.UPGRADING,
        f"upgrading {store.version or 'unversioned'} -> {target}",
        now,
    )
    progress.started += 1


def _halts(rollout: Rollout, wave: list[tuple[RolloutStore, Store]], now: datetime) -> bool:
    """A finished wave whose failures exceed the threshold stops the rollout."""
    counted = [entry for entry, _ in wave if entry.state != RolloutStoreState.SKIPPED_PINNED]
    failed = sum(entry.state == RolloutStoreState.FAILED for entry in counted)
    if not counted or failed / len(counted) <= rollout.max_failure_ratio:
        return False
    rollout.status = RolloutStatus.HALTED
    rollout.status_reason = (
        f"halted after {_wave_name(rollout.current_wave)}: {failed} of {len(counted)} upgrades "
        f"failed ({failed / len(counted):.0%} > {rollout.max_failure_ratio:.0%} allowed); "
        "later waves were not started"
    )
    rollout.finished_at = now
    return True


def _finish(rollout: Rollout, entries: list[tuple[RolloutStore, Store]], now: datetime) -> None:
    succeeded = sum(e.state == RolloutStoreState.SUCCEEDED for e, _ in entries)
    failed = sum(e.state == RolloutStoreState.FAILED for e, _ in entries)
    skipped = sum(e.state == RolloutStoreState.SKIPPED_PINNED for e, _ in entries)
    rollout.status = RolloutStatus.SUCCEEDED
    rollout.status_reason = (
        f"{succeeded} stores at {rollout.target_version}, {failed} failed, {skipped} pinned"
    )
    rollout.finished_at = now


def _mark(entry: RolloutStore, state: RolloutStoreState, message: str, now: datetime) -> None:
    entry.state = state
    entry.message = message
    entry.updated_at = now


def _wave_name(number: int) -> str:
    return "wave 1 (canary)" if number == 1 else f"wave {number}"
