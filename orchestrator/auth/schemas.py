"""Request and response bodies of the token API (public: part of the OpenAPI contract)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from orchestrator.auth.tokens import TOKEN_NAME_MAX
from orchestrator.models import Scope


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=TOKEN_NAME_MAX, examples=["ci-pipeline"])
    scope: Scope = Field(description="read: list and read; write: also change; admin: all.")


class TokenOut(BaseModel):
    name: str
    scope: Scope
    created_at: datetime
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    token: str = Field(description="The token itself. Shown this once; only a digest is kept.")


class TokenList(BaseModel):
    items: list[TokenOut]


class PrincipalOut(BaseModel):
    """Who the request's token belongs to."""

    name: str
    scope: Scope
