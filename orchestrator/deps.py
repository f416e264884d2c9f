"""FastAPI dependencies, as ``Annotated`` aliases the routes use.

Every dependency is ``async def``, even those that only read app state: FastAPI runs a plain
``def`` dependency in a worker thread, and under load (helm and the reconciler busy on two
cores) each such hop waits for the GIL; five of them made up most of a POST's latency during a
burst of store requests (profiled with py-spy, see bench/RESULTS.md)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from orchestrator.audit.repository import AuditRepository
from orchestrator.audit.service import AuditService
from orchestrator.auth.gate import STATE_PRINCIPAL
from orchestrator.auth.repository import TokenRepository
from orchestrator.auth.service import TokenService
from orchestrator.auth.tokens import Principal
from orchestrator.backups.jobs import StoreJobs
from orchestrator.backups.repository import BackupRepository
from orchestrator.backups.service import BackupService
from orchestrator.clock import Clock
from orchestrator.config import Settings
from orchestrator.errors import Forbidden, Unauthorized
from orchestrator.models import Scope
from orchestrator.provisioning.secret_backends import SecretBackend
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


async def get_read_session(request: Request) -> AsyncIterator[AsyncSession]:
    """For routes that only read: no transaction around their statements (see
    db.autocommit_session_factory), two database round trips fewer per request."""
    async with request.app.state.autocommit_sessions() as session:
        yield session


async def get_secrets(request: Request) -> SecretBackend:
    secrets: SecretBackend = request.app.state.secrets
    return secrets


async def get_clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


async def get_reconciler(request: Request) -> Reconciler:
    reconciler: Reconciler = request.app.state.reconciler
    return reconciler


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
ReadSessionDep = Annotated[AsyncSession, Depends(get_read_session)]
ClockDep = Annotated[Clock, Depends(get_clock)]
ReconcilerDep = Annotated["Reconciler", Depends(get_reconciler)]
SecretsDep = Annotated[SecretBackend, Depends(get_secrets)]


async def get_store_service(
    session: SessionDep, settings: SettingsDep, clock: ClockDep
) -> StoreService:
    return StoreService(StoreRepository(session), settings, clock)


async def get_store_reader(
    session: ReadSessionDep, settings: SettingsDep, clock: ClockDep
) -> StoreService:
    """The store service for routes that only read."""
    return StoreService(StoreRepository(session), settings, clock)


async def get_token_service(session: SessionDep) -> TokenService:
    return TokenService(TokenRepository(session))


async def get_audit_service(session: ReadSessionDep) -> AuditService:
    # It only reads (the trail is written by orchestrator.audit.trail).
    return AuditService(AuditRepository(session))


async def get_backup_service(
    session: SessionDep, settings: SettingsDep, clock: ClockDep, request: Request
) -> BackupService:
    jobs: StoreJobs = request.app.state.store_jobs
    return BackupService(BackupRepository(session), StoreRepository(session), settings, clock, jobs)


StoreServiceDep = Annotated[StoreService, Depends(get_store_service)]
BackupServiceDep = Annotated[BackupService, Depends(get_backup_service)]
StoreReaderDep = Annotated[StoreService, Depends(get_store_reader)]
TokenServiceDep = Annotated[TokenService, Depends(get_token_service)]
AuditServiceDep = Annotated[AuditService, Depends(get_audit_service)]

# The gate (orchestrator.auth.gate) checks the token before the body is read; this only tells
# OpenAPI, and so /docs and the generated client, that routes take a bearer token.
_bearer = HTTPBearer(
    auto_error=False,
    scheme_name="bearerToken",
    description="An API token (`python -m orchestrator tokens create NAME --scope SCOPE`).",
)


def require_scope(required: Scope) -> Callable[..., Awaitable[Principal]]:
    """A dependency that lets the call through only for a token whose scope allows it."""

    async def check(
        request: Request,
        _documented: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Principal:
        principal: Principal | None = request.scope.get("state", {}).get(STATE_PRINCIPAL)
        if principal is None:  # the gate lets no such request through; never assume it did
            raise Unauthorized("a bearer token is required (Authorization: Bearer <token>)")
        if not principal.scope.allows(required):
            raise Forbidden(
                f"this call needs the {required.value!r} scope; "
                f"token {principal.name!r} has {principal.scope.value!r}"
            )
        return principal

    return check


def _scoped(required: Scope) -> Any:
    return Depends(require_scope(required))


READ = _scoped(Scope.READ)
WRITE = _scoped(Scope.WRITE)
ADMIN = _scoped(Scope.ADMIN)
ReadAccess = Annotated[Principal, READ]
WriteAccess = Annotated[Principal, WRITE]
AdminAccess = Annotated[Principal, ADMIN]
