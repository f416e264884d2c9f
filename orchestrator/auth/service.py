"""The rules of API tokens: creating (shown once), listing, revoking, and recognising one on a
request. Services never commit."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from dataclasses import dataclass

from orchestrator.auth.repository import TokenRepository
from orchestrator.auth.tokens import (
    BOOTSTRAP_NAME,
    Principal,
    new_token,
    token_digest,
    token_name_problem,
)
from orchestrator.errors import Conflict, FieldError, InvalidRequest, NotFound
from orchestrator.models import ApiToken, Scope, utcnow


@dataclass(frozen=True)
class IssuedToken:
    """A token just created: the only moment its value exists outside the caller's hands."""

    record: ApiToken
    token: str


class TokenService:
    def __init__(self, repository: TokenRepository) -> None:
        self.repository = repository

    async def create(self, name: str, scope: Scope) -> IssuedToken:
        problem = token_name_problem(name)
        if problem:
            raise InvalidRequest(f"name: {problem}", [FieldError("name", problem)])
        token = new_token()
        record = ApiToken(name=name, scope=scope, token_digest=token_digest(token))
        if not await self.repository.add_new(record):
            raise Conflict(f"an active token is already named {name!r}; revoke it first")
        return IssuedToken(record, token)

    async def list(self) -> Sequence[ApiToken]:
        return await self.repository.all()

    async def revoke(self, name: str) -> ApiToken:
        revoked = await self.repository.revoke(name, utcnow())
        if revoked is None:
            raise NotFound(f"no active token named {name!r}")
        return revoked

    async def authenticate(self, presented: str, bootstrap: str | None) -> Principal | None:
        """Who ``presented`` belongs to, or None. The bootstrap token (WOO_API_TOKEN) is
        compared in constant time; named tokens are found by their digest, so what a timing
        difference could reveal is a digest prefix, never the token."""
        if not presented:
            return None
        if bootstrap is not None and hmac.compare_digest(presented.encode(), bootstrap.encode()):
            return Principal(BOOTSTRAP_NAME, Scope.ADMIN)
        record = await self.repository.active_by_digest(token_digest(presented))
        if record is None:
            return None
        return Principal(record.name, record.scope)
