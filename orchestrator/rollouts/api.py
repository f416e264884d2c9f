"""HTTP routes of fleet rollouts. Routes translate HTTP to service calls and commit once."""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, status

from orchestrator.deps import READ, WRITE, SessionDep, WriteAccess
from orchestrator.edges.bodies import require_json_body
from orchestrator.models import Rollout, RolloutStore, RolloutStoreState, Store
from orchestrator.rollouts.deps import RolloutServiceDep
from orchestrator.rollouts.driver import RolloutDriver
from orchestrator.rollouts.schemas import (
    RolloutCounts,
    RolloutCreate,
    RolloutOut,
    RolloutPage,
    RolloutSelector,
    RolloutStoreOut,
)
from orchestrator.stores.schemas import MAX_OFFSET, ErrorOut

ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "Missing or wrong bearer token"},
    403: {"model": ErrorOut, "description": "The token's scope does not allow this"},
    404: {"model": ErrorOut, "description": "No such rollout"},
    409: {
        "model": ErrorOut,
        "description": "Another rollout is in progress, no store matches, or the rollout's "
        "status does not allow this",
    },
    415: {"model": ErrorOut, "description": "The body is not JSON"},
    422: {"model": ErrorOut, "description": "Invalid input; nothing was started"},
}

router = APIRouter(
    prefix="/rollouts",
    tags=["rollouts"],
    dependencies=[Depends(require_json_body)],
    responses=ERRORS,
)


def _driver(request: Request) -> RolloutDriver:
    driver: RolloutDriver = request.app.state.rollouts
    return driver


@router.post("", status_code=status.HTTP_202_ACCEPTED, operation_id="createRollout")
async def create_rollout(
    body: RolloutCreate,
    request: Request,
    response: Response,
    principal: WriteAccess,
    service: RolloutServiceDep,
    session: SessionDep,
) -> RolloutOut:
    """Upgrade the selected stores to `target_version` in waves: the canary first, then the
    growing batches. A wave whose failed share exceeds `max_failure_ratio` halts the rollout;
    pinned stores are skipped."""
    rollout = await service.start(body, principal.name)
    entries = await service.entries(rollout.id)
    await session.commit()
    _driver(request).wake()
    response.headers["Location"] = f"/rollouts/{rollout.id}"
    return to_rollout_out(rollout, _count(entries), entries)


@router.get("", operation_id="listRollouts", dependencies=[READ])
async def list_rollouts(
    service: RolloutServiceDep,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> RolloutPage:
    """Rollouts, newest first."""
    rollouts, total = await service.page(limit=limit, offset=offset)
    counts = await service.counts([rollout.id for rollout in rollouts])
    return RolloutPage(
        items=[to_rollout_out(r, counts.get(r.id, {})) for r in rollouts],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/{rollout_id}", operation_id="getRollout", dependencies=[READ])
async def get_rollout(rollout_id: str, service: RolloutServiceDep) -> RolloutOut:
    """The rollout with each store's progress."""
    rollout = await service.get(rollout_id)
    entries = await service.entries(rollout.id)
    return to_rollout_out(rollout, _count(entries), entries)


@router.post("/{rollout_id}/pause", operation_id="pauseRollout", dependencies=[WRITE])
async def pause_rollout(
    rollout_id: str, service: RolloutServiceDep, session: SessionDep
) -> RolloutOut:
    """Start no new upgrades (those under way finish). Only a Running rollout."""
    return await _changed(await service.pause(rollout_id), service, session)


@router.post("/{rollout_id}/resume", operation_id="resumeRollout", dependencies=[WRITE])
async def resume_rollout(
    rollout_id: str, request: Request, service: RolloutServiceDep, session: SessionDep
) -> RolloutOut:
    """Go on: a Paused rollout where it stopped, a Halted one with the next wave."""
    out = await _changed(await service.resume(rollout_id), service, session)
    _driver(request).wake()
    return out


@router.post("/{rollout_id}/abort", operation_id="abortRollout", dependencies=[WRITE])
async def abort_rollout(
    rollout_id: str, service: RolloutServiceDep, session: SessionDep
) -> RolloutOut:
    """Stop for good: stores not yet upgraded keep their version."""
    return await _changed(await service.abort(rollout_id), service, session)


async def _changed(rollout: Rollout, service: RolloutServiceDep, session: SessionDep) -> RolloutOut:
    entries = await service.entries(rollout.id)
    await session.commit()
    return to_rollout_out(rollout, _count(entries), entries)


def _count(entries: list[tuple[RolloutStore, Store]]) -> dict[RolloutStoreState, int]:
    counts: dict[RolloutStoreState, int] = {}
    for entry, _ in entries:
        counts[entry.state] = counts.get(entry.state, 0) + 1
    return counts


def to_rollout_out(
    rollout: Rollout,
    counts: dict[RolloutStoreState, int],
    entries: list[tuple[RolloutStore, Store]] | None = None,
) -> RolloutOut:
    waves: list[int] = json.loads(rollout.waves)
    return RolloutOut(
        id=rollout.id,
        target_version=rollout.target_version,
        selector=RolloutSelector.model_validate_json(rollout.selector),
        waves=waves,
        wave_count=max((entry.wave for entry, _ in entries or []), default=len(waves)),
        max_failure_ratio=rollout.max_failure_ratio,
        status=rollout.status,
        status_reason=rollout.status_reason,
        current_wave=rollout.current_wave,
        counts=RolloutCounts(
            pending=counts.get(RolloutStoreState.PENDING, 0),
            upgrading=counts.get(RolloutStoreState.UPGRADING, 0),
            succeeded=counts.get(RolloutStoreState.SUCCEEDED, 0),
            failed=counts.get(RolloutStoreState.FAILED, 0),
            skipped_pinned=counts.get(RolloutStoreState.SKIPPED_PINNED, 0),
        ),
        created_by=rollout.created_by,
        created_at=rollout.created_at,
        updated_at=rollout.updated_at,
        finished_at=rollout.finished_at,
        stores=None
        if entries is None
        else [
            RolloutStoreOut(
                store_id=store.id,
                store_name=store.store_name,
                wave=entry.wave,
                state=entry.state,
                message=entry.message,
                from_version=entry.from_version,
                version=store.version,
                updated_at=entry.updated_at,
            )
            for entry, store in entries
        ],
    )
