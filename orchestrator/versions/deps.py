"""Dependencies of the plan and version routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from orchestrator.deps import ClockDep, SessionDep, SettingsDep
from orchestrator.stores.repository import StoreRepository
from orchestrator.versions.service import StoreChangeService


async def get_store_change_service(
    session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> StoreChangeService:
    return StoreChangeService(StoreRepository(session), settings, clock)


StoreChangeServiceDep = Annotated[StoreChangeService, Depends(get_store_change_service)]
