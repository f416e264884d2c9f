"""FastAPI dependencies, as ``Annotated`` aliases the routes use.

Every dependency is ``async def``, even those that only read app state: FastAPI runs a plain
``def`` dependency in a worker thread, and under load (helm and the reconciler busy on two
cores) each such hop waits for the GIL; five of them made up most of a POST's latency during a
burst of store requests (profiled with py-spy, see bench/RESULTS.md)."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.clock import Clock
from orchestrator.config import Settings
from orchestrator.errors import Unauthorized
from orchestrator.stores.repository import StoreRepository
from orchestrator.stores.service import StoreService

if TYPE_CHECKING:
    from orchestrator.provisioning.reconciler import Reconciler


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def get_reconciler(request: Request) -> Reconciler:
    reconciler: Reconciler = request.app.state.reconciler
    return reconciler


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
ReconcilerDep = Annotated["Reconciler", Depends(get_reconciler)]


async def get_store_service(
    session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> StoreService:
    return StoreService(StoreRepository(session), settings.base_domain, clock)


StoreServiceDep = Annotated[StoreService, Depends(get_store_service)]


async def require_token(request: Request, settings: SettingsDep) -> None:
    """Bearer-token check for the store API when WOO_API_TOKEN is set."""
    if settings.api_token is None:
        return
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    expected = settings.api_token.get_secret_value()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Unauthorized("a valid bearer token is required (Authorization: Bearer <token>)")
