"""HTTP routes for API tokens (admin scope) and for asking who a token is. Routes translate
HTTP to service calls and commit once."""

from __future__ import annotations

from fastapi import APIRouter, Response, status

from orchestrator.auth.schemas import PrincipalOut, TokenCreate, TokenCreated, TokenList, TokenOut
from orchestrator.deps import ADMIN, ReadAccess, SessionDep, TokenServiceDep
from orchestrator.models import ApiToken
from orchestrator.stores.schemas import ErrorOut

ERRORS: dict[int | str, dict[str, object]] = {
    401: {"model": ErrorOut, "description": "Missing or wrong bearer token"},
    403: {"model": ErrorOut, "description": "The token's scope does not allow this"},
}

router = APIRouter(tags=["access"], responses=ERRORS)


@router.get("/whoami", operation_id="getCurrentPrincipal")
async def whoami(principal: ReadAccess) -> PrincipalOut:
    """The name and scope of the token this request carries."""
    return PrincipalOut(name=principal.name, scope=principal.scope)


@router.get("/tokens", operation_id="listTokens", dependencies=[ADMIN])
async def list_tokens(service: TokenServiceDep) -> TokenList:
    """Every token, active and revoked (never their values)."""
    return TokenList(items=[to_token_out(token) for token in await service.list()])


@router.post(
    "/tokens",
    status_code=status.HTTP_201_CREATED,
    operation_id="createToken",
    dependencies=[ADMIN],
    responses={409: {"model": ErrorOut, "description": "An active token has this name"}},
)
async def create_token(
    body: TokenCreate, response: Response, service: TokenServiceDep, session: SessionDep
) -> TokenCreated:
    """A new token. Its value is in this response only: store it now."""
    issued = await service.create(body.name, body.scope)
    await session.commit()
    response.headers["Cache-Control"] = "no-store"
    return TokenCreated(**to_token_out(issued.record).model_dump(), token=issued.token)


@router.delete(
    "/tokens/{name}",
    operation_id="revokeToken",
    dependencies=[ADMIN],
    responses={404: {"model": ErrorOut, "description": "No active token has this name"}},
)
async def revoke_token(name: str, service: TokenServiceDep, session: SessionDep) -> TokenOut:
    """Revoke a token; requests carrying it are refused from now on."""
    revoked = await service.revoke(name)
    await session.commit()
    return to_token_out(revoked)


def to_token_out(token: ApiToken) -> TokenOut:
    return TokenOut(
        name=token.name,
        scope=token.scope,
        created_at=token.created_at,
        revoked_at=token.revoked_at,
    )
