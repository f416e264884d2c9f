"""The rules of fleet rollouts as seen from the API: start one, read them, pause, resume,
abort. Services never commit. What a rollout does over time is progress.py's job."""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from datetime import datetime

from orchestrator.clock import Clock
from orchestrator.config import Settings
from orchestrator.errors import Conflict, FieldError, InvalidRequest, InvalidTransition, NotFound
from orchestrator.models import Rollout, RolloutStatus, RolloutStore, RolloutStoreState, Store
from orchestrator.rollouts.repository import RolloutRepository
from orchestrator.rollouts.schemas import RolloutCreate


class RolloutService:
    def __init__(self, repository: RolloutRepository, settings: Settings, clock: Clock) -> None:
        self.repository = repository
        self.settings = settings
        self.clock = clock

    async def start(self, request: RolloutCreate, requested_by: str) -> Rollout:
        """Record a rollout of ``request.target_version`` over the selected stores, in waves
        (oldest stores first); pinned stores are recorded as skipped."""
        if request.target_version not in self.settings.versions:
            problem = (
                f"unknown version {request.target_version!r}; "
                f"versions: {', '.join(self.settings.versions)}"
            )
            raise InvalidRequest(
                f"target_version: {problem}", [FieldError("target_version", problem)]
            )
        selector = request.selector
        if selector.plan is not None and selector.plan not in self.settings.plans:
            problem = f"unknown plan {selector.plan!r}; plans: {', '.join(self.settings.plans)}"
            raise InvalidRequest(
                f"selector.plan: {problem}", [FieldError("selector.plan", problem)]
            )
        running = await self.repository.in_progress()
        if running is not None:
            raise Conflict(
                f"rollout {running.id} is {running.status}; abort it (or let it finish) first"
            )
        stores = await self.repository.matching_stores(
            environment=selector.environment, plan=selector.plan, store_ids=selector.store_ids
        )
        if selector.store_ids is not None:
            missing = sorted(set(selector.store_ids) - {store.id for store in stores})
            if missing:
                problem = f"no live store with id {', '.join(missing[:10])}"
                raise InvalidRequest(
                    f"selector.store_ids: {problem}", [FieldError("selector.store_ids", problem)]
                )
        if not stores:
            raise Conflict("no live store matches the selector")
        now = self.clock.now()
        rollout = Rollout(
            id=str(uuid.uuid4()),
            target_version=request.target_version,
            selector=selector.model_dump_json(exclude_none=True),
            waves=json.dumps(request.waves),
            max_failure_ratio=request.max_failure_ratio,
            status=RolloutStatus.RUNNING,
            status_reason="wave 1 (canary) starting",
            current_wave=1,
            created_by=requested_by,
            created_at=now,
            updated_at=now,
        )
        await self.repository.add(rollout, _entries(rollout, stores, request.waves, now))
        return rollout

    async def get(self, rollout_id: str) -> Rollout:
        rollout = await self.repository.get(rollout_id)
        if rollout is None:
            raise NotFound(f"rollout {rollout_id} not found")
        return rollout

    async def entries(self, rollout_id: str) -> list[tuple[RolloutStore, Store]]:
        return await self.repository.entries(rollout_id)

    async def page(self, *, limit: int, offset: int) -> tuple[Sequence[Rollout], int]:
        return await self.repository.page(limit=limit, offset=offset)

    async def counts(self, rollout_ids: Sequence[str]) -> dict[str, dict[RolloutStoreState, int]]:
        return await self.repository.counts(rollout_ids)

    async def pause(self, rollout_id: str) -> Rollout:
        """No new upgrades start; those under way finish and are followed."""
        rollout = await self._in(rollout_id, (RolloutStatus.RUNNING,), "paused")
        self._set(rollout, RolloutStatus.PAUSED, f"paused at wave {rollout.current_wave}")
        return rollout

    async def resume(self, rollout_id: str) -> Rollout:
        """Go on: a paused rollout where it was; a halted one with the wave after the one that
        failed (its failures are accepted, its failed stores stay as they are)."""
        rollout = await self._in(
            rollout_id, (RolloutStatus.PAUSED, RolloutStatus.HALTED), "resumed"
        )
        if rollout.status == RolloutStatus.HALTED:
            rollout.current_wave += 1
            rollout.finished_at = None
        self._set(rollout, RolloutStatus.RUNNING, f"resumed at wave {rollout.current_wave}")
        return rollout

    async def abort(self, rollout_id: str) -> Rollout:
        """Stop for good: stores not started keep their version (upgrades under way finish)."""
        rollout = await self._in(
            rollout_id,
            (RolloutStatus.RUNNING, RolloutStatus.PAUSED, RolloutStatus.HALTED),
            "aborted",
        )
        self._set(rollout, RolloutStatus.ABORTED, f"aborted at wave {rollout.current_wave}")
        rollout.finished_at = self.clock.now()
        return rollout

    async def _in(self, rollout_id: str, allowed: tuple[RolloutStatus, ...], verb: str) -> Rollout:
        rollout = await self.get(rollout_id)
        if rollout.status not in allowed:
            raise InvalidTransition(
                f"a {rollout.status} rollout cannot be {verb} "
                f"(only {' or '.join(status.value for status in allowed)})"
            )
        return rollout

    def _set(self, rollout: Rollout, status: RolloutStatus, reason: str) -> None:
        rollout.status = status
        rollout.status_reason = reason
        rollout.updated_at = self.clock.now()


def wave_sizes(sizes: list[int], store_count: int) -> list[int]:
    """The waves ``store_count`` stores fill: the sizes given, then more of the last size."""
    waves: list[int] = []
    left = store_count
    for index in range(10_000):
        if left <= 0:
            break
        size = min(sizes[min(index, len(sizes) - 1)], left)
        waves.append(size)
        left -= size
    return waves


def _entries(
    rollout: Rollout, stores: Sequence[Store], sizes: list[int], now: datetime
) -> list[RolloutStore]:
    entries = []
    upgradable = [store for store in stores if not store.pinned]
    waves = wave_sizes(sizes, len(upgradable))
    wave_of: dict[str, int] = {}
    position = 0
    for number, size in enumerate(waves, start=1):
        for store in upgradable[position : position + size]:
            wave_of[store.id] = number
        position += size
    for index, store in enumerate(stores):
        pinned = store.pinned
        entries.append(
            RolloutStore(
                rollout_id=rollout.id,
                store_id=store.id,
                position=index,
                wave=0 if pinned else wave_of[store.id],
                state=RolloutStoreState.SKIPPED_PINNED if pinned else RolloutStoreState.PENDING,
                message="pinned" if pinned else None,
                from_version=store.version,
                updated_at=now,
            )
        )
    return entries
