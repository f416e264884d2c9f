"""Records the audit trail, as an ASGI middleware just inside the gate: the gate has named the
token, the router names the action and the store, the response gives the outcome.

Recorded: every call that may change something (any method but GET, HEAD and OPTIONS) and the
reads listed as secret (store credentials), whatever their outcome, including refusals by the
route (403, 409, 422, ...). Requests the gate refuses before they reach a route (no valid
token, body too large, rate limit) are logged, not recorded: they did nothing, and recording
them would let anyone make the platform write.
"""

from __future__ import annotations

import logging
import uuid

from sqlalchemy.exc import DBAPIError
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchestrator.audit.repository import AuditRepository
from orchestrator.auth.gate import READ_METHODS, STATE_PRINCIPAL
from orchestrator.auth.tokens import Principal
from orchestrator.models import AuditRecord

log = logging.getLogger(__name__)

# Operations that only read, but read a secret: recorded like changes.
SECRET_READS = frozenset({"getStoreCredentials"})
REQUEST_ID_HEADER = "X-Request-ID"


class AuditTrail:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = uuid.uuid4().hex
        status = 500
        location: str | None = None

        async def send_noting_outcome(message: Message) -> None:
            nonlocal status, location
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                headers.append(REQUEST_ID_HEADER, request_id)
                location = headers.get("location")
            await send(message)

        try:
            await self.app(scope, receive, send_noting_outcome)
        finally:
            principal: Principal | None = scope.get("state", {}).get(STATE_PRINCIPAL)
            action = _action(scope)
            if principal is not None and (
                scope["method"] not in READ_METHODS or action in SECRET_READS
            ):
                await _record(scope, principal, action, status, location, request_id)


def _action(scope: Scope) -> str:
    """The operation's id (createStore, deleteStore, ...), or method and path if none matched."""
    route = scope.get("route")
    action = getattr(route, "operation_id", None) or f"{scope['method']} {scope['path']}"
    return str(action)[:120]


def _store_id(scope: Scope, location: str | None) -> str | None:
    store_id = scope.get("path_params", {}).get("store_id")
    if store_id is None and location and location.startswith("/stores/"):
        store_id = location.removeprefix("/stores/")
    return str(store_id)[:36] if store_id is not None else None


async def _record(
    scope: Scope,
    principal: Principal,
    action: str,
    status: int,
    location: str | None,
    request_id: str,
) -> None:
    client = scope.get("client")
    record = AuditRecord(
        token_name=principal.name,
        action=action,
        store_id=_store_id(scope, location),
        status_code=status,
        request_id=request_id,
        client=client[0][:64] if client else None,
    )
    try:
        # One INSERT, atomic on its own: no transaction around it, two round trips fewer on
        # every change (see db.autocommit_session_factory).
        async with scope["app"].state.autocommit_sessions() as session:
            await AuditRepository(session).add(record)
            await session.commit()
    except DBAPIError as exc:
        # The response is gone already; the operator must hear that the trail has a gap.
        log.error(
            "audit record lost (%s by %s, request %s): %s",
            action,
            principal.name,
            request_id,
            type(exc.orig).__name__,
        )
