"""Request and response bodies of the store API (they are the OpenAPI contract the dashboard's
client is generated from, so names and shapes here are public)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field, field_validator

from orchestrator.models import Environment, Store, StoreStatus
from orchestrator.naming import STORE_NAME_MAX, store_domain_problem, store_name_problem
from orchestrator.schedules import cron_problem

# Bounds of paging parameters: beyond them the database would overflow, not answer.
MAX_OFFSET = 1_000_000
MAX_EVENT_ID = 2**31 - 1


class CloneFrom(BaseModel):
    """Seed the new store from a backup of another store (which may have been deleted)."""

    model_config = ConfigDict(extra="forbid")

    store_id: str = Field(min_length=1, max_length=36, description="The store to clone.")
    backup_id: str | None = Field(
        default=None,
        min_length=1,
        max_length=36,
        description="One of its Succeeded backups; its latest when omitted.",
    )


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
    backup_schedule: str | None = Field(
        default=None,
        max_length=100,
        description="When the store is backed up (cron); WOO_BACKUP_SCHEDULE when omitted.",
        examples=["0 */6 * * *"],
    )
    clone_from: CloneFrom | None = Field(
        default=None,
        description="Start from a backup of another store: its data, this store's own "
        "domain and credentials.",
    )

    @field_validator("backup_schedule")
    @classmethod
    def _valid_schedule(cls, value: str | None) -> str | None:
        if value is None:
            return None
        problem = cron_problem(value)
        if problem:
            raise ValueError(problem)
        return value

    plan: str | None = Field(
        default=None,
        max_length=32,
        description="The store's size (GET /plans); WOO_DEFAULT_PLAN when omitted.",
        examples=["small"],
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


class StoreBackups(BaseModel):
    schedule: str = Field(description="When the store is backed up (cron).")
    last_success_at: datetime | None = Field(
        description="When its last successful backup finished."
    )
    overdue: bool = Field(
        description="The last successful backup is older than the longest gap between two "
        "runs of the schedule (plus an hour), or there is none a gap after the store's creation."
    )
    cloned_from_store_id: str | None = None


class StoreVersions(BaseModel):
    """What the store was last Ready with."""

    chart: str | None
    wordpress: str | None
    woocommerce: str | None


class StoreChange(BaseModel):
    """The plan and version an Upgrading store is being changed to."""

    plan: str
    version: str | None


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
    backups: StoreBackups | None = Field(
        description="Backup schedule and freshness; null when the platform has backups off."
    )
    plan: str
    version: str | None = Field(description="Catalogue name of the version it runs.")
    pinned: bool = Field(description="Skipped by fleet rollouts.")
    versions: StoreVersions
    upgrade: StoreChange | None = Field(description="The change under way while Upgrading.")
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


def to_store_out(store: Store, backups: StoreBackups | None = None) -> StoreOut:
    urls = None
    if store.storefront_url and store.admin_url:
        urls = StoreUrls(storefront=store.storefront_url, admin=store.admin_url)
    return StoreOut(
        id=store.id,
        store_name=store.store_name,
        namespace=store.namespace,
        domain=store.domain,
        environment=store.environment,
        status=StoreStatus(store.status),
        status_reason=store.status_reason,
        urls=urls,
        created_at=store.created_at,
        updated_at=store.updated_at,
        plan=store.plan,
        version=store.version,
        pinned=store.pinned,
        versions=StoreVersions(
            chart=store.chart_version,
            wordpress=store.wordpress_version,
            woocommerce=store.woocommerce_version,
        ),
        upgrade=(
            StoreChange(
                plan=store.target_plan or store.plan,
                version=store.target_version or store.version,
            )
            if store.target_plan or store.target_version
            else None
        ),
        backups=backups,
        data_lost_at=store.data_lost_at,
    )
