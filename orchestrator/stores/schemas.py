"""Request and response bodies of the store API (they are the OpenAPI contract the dashboard's
client is generated from, so names and shapes here are public)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orchestrator.models import Environment, StoreStatus
from orchestrator.naming import STORE_NAME_MAX, store_domain_problem, store_name_problem

# Bounds of paging parameters: beyond them the database would overflow, not answer.
MAX_OFFSET = 1_000_000
MAX_EVENT_ID = 2**31 - 1


class StoreCreate(BaseModel):
    """What a user asks for. ``domain`` defaults to ``<store_name>.<base domain>``."""

    model_config = ConfigDict(extra="forbid")

    store_name: str = Field(
        max_length=STORE_NAME_MAX,
        description="DNS-1123 label; the store's namespace is '<store_name>-<8 hex>'.",
        examples=["demo"],
    )
    domain: str | None = Field(
        default=None,
        description="Lowercase hostname of the storefront.",
        examples=["demo.localhost"],
    )
    environment: Environment = Field(
        default="local",
        description="Which values file the store is installed with; `local` when omitted.",
    )

    @field_validator("store_name")
    @classmethod
    def _valid_store_name(cls, value: str) -> str:
        problem = store_name_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    @field_validator("domain")
    @classmethod
    def _valid_domain(cls, value: str | None) -> str | None:
        if value is None:
            return None
        problem = store_domain_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class StoreUrls(BaseModel):
    storefront: str
    admin: str


class StoreOut(BaseModel):
    id: str
    store_name: str
    namespace: str
    domain: str
    environment: Environment
    status: StoreStatus
    status_reason: str | None
    urls: StoreUrls | None
    created_at: datetime
    updated_at: datetime
    data_lost_at: datetime | None = Field(
        default=None,
        description="When the store's namespace or a volume claim was found gone. Nothing is "
        'recreated until an operator chooses: reconcile with {"recreate_empty": true}, restore '
        "a backup, or delete.",
    )


class StorePage(BaseModel):
    items: list[StoreOut]
    total: int = Field(description="Stores matching the filter, across all pages.")
    limit: int
    offset: int
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page (as fast as the first at any depth); "
        "null on the last page, and when `sort` is name or status (page those by `offset`)."
    )


class StoreCredentials(BaseModel):
    """The store's WordPress admin login, from its Secret."""

    username: str
    password: str
    admin_url: str | None = Field(description="Where to sign in, once the store is Ready.")


class StoreEventOut(BaseModel):
    id: int
    created_at: datetime
    step: str
    outcome: str
    message: str


class StoreEventList(BaseModel):
    items: list[StoreEventOut]
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null on the last page."
    )


class FieldErrorOut(BaseModel):
    field: str
    message: str


class ErrorOut(BaseModel):
    """The one error shape of the API."""

    error: str = Field(examples=["validation_error"])
    detail: str
    fields: list[FieldErrorOut] | None = None
