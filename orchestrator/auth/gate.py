"""The gate every HTTP request passes first: who is calling, and how much it may send.

A plain ASGI middleware, so it decides before anything reads the body: a request without a
valid token, or with a body over the limit, is answered at once and its body never read.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from sqlalchemy.exc import DBAPIError
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orchestrator.auth.limits import RateLimiter
from orchestrator.auth.repository import TokenRepository
from orchestrator.auth.service import TokenService
from orchestrator.auth.tokens import ANONYMOUS_NAME, Principal
from orchestrator.config import Settings
from orchestrator.errors import (
    PayloadTooLarge,
    RateLimited,
    Unauthorized,
    Unavailable,
    WooError,
    error_response,
)
from orchestrator.models import Scope as TokenScope

log = logging.getLogger(__name__)

# Routes anyone may call: probes, the settings a sign-in form needs, API docs, the dashboard
# (its assets; every call it makes carries the token). Everything else needs a token.
PUBLIC_PATHS = frozenset({"/", "/healthz", "/readyz", "/config", "/metrics", "/openapi.json"})
PUBLIC_TREES = ("/ui", "/docs")

STATE_PRINCIPAL = "principal"
# Calls that change nothing: not rate-limited (and not audited).
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiGate:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings
        self.bootstrap = (
            settings.api_token.get_secret_value() if settings.api_token is not None else None
        )
        self.limiter = RateLimiter(settings.rate_limit_per_minute, settings.rate_limit_burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            principal = await self._admit(scope)
        except WooError as refusal:
            await error_response(refusal)(scope, receive, send)
            return
        if principal is not None:
            scope.setdefault("state", {})[STATE_PRINCIPAL] = principal
        await self.app(scope, self._limited(receive), send)

    async def _admit(self, scope: Scope) -> Principal | None:
        """Who the request acts as (None on a public route), or the refusal, raised."""
        headers = Headers(scope=scope)
        principal: Principal | None = None
        if self.settings.auth == "off":
            principal = Principal(ANONYMOUS_NAME, TokenScope.ADMIN)
        elif not is_public(scope["path"]):
            principal = await self._authenticate(scope, headers)
        if _declared_length(headers) > self.settings.max_body_bytes:
            raise self._too_large()
        if principal is not None and scope["method"] not in READ_METHODS:
            wait = self.limiter.take(principal.name)
            if wait:
                log.warning(
                    "rate limit: %s %s by %s", scope["method"], scope["path"], principal.name
                )
                raise RateLimited(
                    f"token {principal.name!r} may make {self.settings.rate_limit_burst} changes "
                    f"at once and {self.settings.rate_limit_per_minute:g} per minute "
                    "(WOO_RATE_LIMIT_BURST, WOO_RATE_LIMIT_PER_MINUTE); try again later",
                    RateLimiter.retry_after(wait),
                )
        return principal

    async def _authenticate(self, scope: Scope, headers: Headers) -> Principal:
        scheme, _, presented = headers.get("authorization", "").partition(" ")
        presented = presented.strip()
        if scheme.lower() != "bearer" or not presented:
            raise Unauthorized("a bearer token is required (Authorization: Bearer <token>)")
        try:
            # One SELECT: no transaction around it (see db.autocommit_session_factory).
            async with scope["app"].state.autocommit_sessions() as session:
                service = TokenService(TokenRepository(session))
                principal = await service.authenticate(presented, self.bootstrap)
        except DBAPIError as exc:
            log.warning("token check failed, database unavailable: %s", type(exc.orig).__name__)
            unavailable = Unavailable("the platform's database is not reachable; try again shortly")
            unavailable.headers = {"Retry-After": "5"}
            raise unavailable from None
        if principal is None:
            raise Unauthorized("the bearer token is not valid (unknown or revoked)")
        return principal

    def _limited(self, receive: Receive) -> Callable[[], Awaitable[Message]]:
        """``receive`` that refuses a body growing past the limit while it streams in (a
        chunked body declares no length)."""
        received = 0
        limit = self.settings.max_body_bytes

        async def receive_within_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, self._too_large().detail)
            return message

        return receive_within_limit

    def _too_large(self) -> PayloadTooLarge:
        return PayloadTooLarge(
            f"the request body is larger than {self.settings.max_body_bytes} bytes"
        )


def is_public(path: str) -> bool:
    return path in PUBLIC_PATHS or any(
        path == tree or path.startswith(tree + "/") for tree in PUBLIC_TREES
    )


def _declared_length(headers: Headers) -> int:
    try:
        return int(headers.get("content-length", "0"))
    except ValueError:
        return 0
