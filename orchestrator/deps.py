"""FastAPI dependencies, as ``Annotated`` aliases the routes use."""

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


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessions() as session:
        yield session


def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


def get_reconciler(request: Request) -> Reconciler:
    reconciler: Reconciler = request.app.state.reconciler
    return reconciler


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
ReconcilerDep = Annotated["Reconciler", Depends(get_reconciler)]


def get_store_service(session: SessionDep, settings: SettingsDep, clock: ClockDep) -> StoreService:
    return StoreService(StoreRepository(session), settings.base_domain, clock)


StoreServiceDep = Annotated[StoreService, Depends(get_store_service)]


def require_token(request: Request, settings: SettingsDep) -> None:
    """Bearer-token check for the store API when WOO_API_TOKEN is set."""
    if settings.api_token is None:
        return
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    expected = settings.api_token.get_secret_value()
    if scheme.lower() != "bearer" or not hmac.compare_digest(token.encode(), expected.encode()):
        raise Unauthorized("a valid bearer token is required (Authorization: Bearer <token>)")
