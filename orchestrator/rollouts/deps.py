"""Dependencies of the rollout routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from orchestrator.deps import ClockDep, SessionDep, SettingsDep
from orchestrator.rollouts.repository import RolloutRepository
from orchestrator.rollouts.service import RolloutService


async def get_rollout_service(
    session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> RolloutService:
    return RolloutService(RolloutRepository(session), settings, clock)


RolloutServiceDep = Annotated[RolloutService, Depends(get_rollout_service)]
