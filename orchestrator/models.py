"""Tables: a store row (desired state, observed status, reconciler bookkeeping), its events, the
API tokens that may call the platform, and the audit trail of what they did."""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import (
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class StoreStatus(enum.StrEnum):
    PROVISIONING = "Provisioning"
    READY = "Ready"
    DEGRADED = "Degraded"
    FAILED = "Failed"
    DELETING = "Deleting"
    DELETED = "Deleted"
    # Workloads at zero, data kept, the storefront answered by a maintenance page.
    SUSPENDED = "Suspended"


class Scope(enum.StrEnum):
    """What an API token may do; each scope includes the ones before it."""

    READ = "read"  # list and read stores and their events
    WRITE = "write"  # create, delete, retry stores
    ADMIN = "admin"  # tokens, the audit log, store credentials

    def allows(self, required: Scope) -> bool:
        order = list(Scope)
        return order.index(self) >= order.index(required)


class DesiredState(enum.StrEnum):
    PRESENT = "present"
    ABSENT = "absent"


class StoreOrder(enum.StrEnum):
    """How a page of stores is sorted; ties fall back to newest first."""

    NEWEST = "newest"
    OLDEST = "oldest"
    NAME = "name"
    STATUS = "status"


# Which values file a store is installed with (values-<environment>.yaml).
Environment = Literal["local", "prod"]

E = TypeVar("E", bound=enum.StrEnum)


class EnumString(TypeDecorator[E]):
    """A string enum stored as its value in a VARCHAR: the database and the API see the same
    strings, and Python sees the enum."""

    impl = String(16)
    cache_ok = True

    def __init__(self, enum_type: type[E]) -> None:
        super().__init__()
        self.enum_type = enum_type

    def process_bind_param(self, value: E | str | None, dialect: Dialect) -> str | None:
        # Refuse a string that is not one of the enum's values rather than store it.
        return None if value is None else self.enum_type(value).value

    def process_result_value(self, value: Any, dialect: Dialect) -> E | None:
        return None if value is None else self.enum_type(value)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def utcnow() -> datetime:
    return datetime.now(UTC)


# Named constraints so Alembic migrations stay deterministic across backends.
metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class Base(DeclarativeBase):
    metadata = metadata


LIVE = text("status != 'Deleted'")
# Stores the reconciler still has to drive. Literal SQL, so that the claim query states the
# partial index's own predicate and the planner uses that index even with a generic plan.
# Parenthesised whole: SQLAlchemy puts a text clause into an AND as it is.
# Besides provisioning and deleting: an installed store (Ready, Degraded, Suspended) whose
# release is to be applied again (repair, suspend, resume: a newer generation) or whose pass is
# waiting (a step recorded), unless its data is lost (nothing is applied until an operator
# decides).
NEEDS_WORK = text(
    "((desired_state = 'present' AND status = 'Provisioning')"
    " OR (desired_state = 'absent' AND status = 'Deleting')"
    " OR (desired_state = 'present' AND status IN ('Ready', 'Degraded', 'Suspended')"
    " AND data_lost_at IS NULL AND (applied_generation < generation OR step IS NOT NULL)))"
)


class Store(Base):
    __tablename__ = "stores"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    store_name: Mapped[str] = mapped_column(String(63))
    namespace: Mapped[str] = mapped_column(String(63), unique=True)
    domain: Mapped[str] = mapped_column(String(253))
    environment: Mapped[str] = mapped_column(String(16))
    desired_state: Mapped[DesiredState] = mapped_column(
        EnumString(DesiredState), default=DesiredState.PRESENT
    )
    status: Mapped[StoreStatus] = mapped_column(
        EnumString(StoreStatus), default=StoreStatus.PROVISIONING
    )
    status_reason: Mapped[str | None] = mapped_column(Text, default=None)
    storefront_url: Mapped[str | None] = mapped_column(String(300), default=None)
    admin_url: Mapped[str | None] = mapped_column(String(300), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    # Idempotency-Key of the POST that created the store, and a digest of that request's body,
    # so a replay returns this store and a reuse with another body is refused.
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    request_digest: Mapped[str | None] = mapped_column(String(64), default=None)
    # The name of the token that asked for the store: per-token caps and fair queuing.
    created_by: Mapped[str | None] = mapped_column(String(64), default=None, index=True)

    # Reconciler bookkeeping. ``generation`` grows when the user asks for the store again
    # (retry); ``applied_generation`` is the generation helm last installed successfully, so a
    # restart resumes at the readiness wait instead of re-running helm.
    generation: Mapped[int] = mapped_column(Integer, default=1)
    applied_generation: Mapped[int] = mapped_column(Integer, default=0)
    release_revision: Mapped[int | None] = mapped_column(Integer, default=None)
    step: Mapped[str | None] = mapped_column(String(32), default=None)
    step_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    step_deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    attempt: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    lease_owner: Mapped[str | None] = mapped_column(String(120), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    # Day-2 operations. ``suspended``: the store is wanted at zero (chart values
    # storefront.paused and database.paused). ``data_lost_at``: its namespace or a volume claim
    # vanished behind the platform's back; nothing is applied until an operator chooses.
    # ``repair_*``: automatic re-applies of the release of a Degraded store, counted so that a
    # store that keeps breaking is repaired a few times with backoff, not in a hot loop.
    suspended: Mapped[bool] = mapped_column(Boolean, default=False, server_default=text("false"))
    data_lost_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    repair_attempts: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
    last_repair_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    # What the pending re-apply is to restore (the Degraded reason when it was asked for).
    repair_reason: Mapped[str | None] = mapped_column(Text, default=None)
    # The data claims the store was Ready with, "name=uid,name=uid": a claim deleted and
    # recreated (empty) under the same name has another uid, and is lost data too.
    data_claims: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (
        # A name or domain is held by a live store; a deleted store frees both. Partial unique
        # indexes make the database, not a racy read-then-write, enforce it.
        Index(
            "uq_stores_live_store_name",
            "store_name",
            unique=True,
            postgresql_where=LIVE,
            sqlite_where=LIVE,
        ),
        Index(
            "uq_stores_live_domain",
            "domain",
            unique=True,
            postgresql_where=LIVE,
            sqlite_where=LIVE,
        ),
        Index("ix_stores_status_created", "status", "created_at"),
        Index("ix_stores_created_at", "created_at"),
        # Only the stores that need work, so claiming reads none of the (many) Ready ones.
        Index(
            "ix_stores_due",
            "next_attempt_at",
            postgresql_where=NEEDS_WORK,
            sqlite_where=NEEDS_WORK,
        ),
    )


class StoreEvent(Base):
    __tablename__ = "store_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    store_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("stores.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    step: Mapped[str] = mapped_column(String(32))
    outcome: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(Text)


ACTIVE_TOKEN = text("revoked_at IS NULL")


class ApiToken(Base):
    """A named bearer token. Only a SHA-256 digest of the token is kept: the token itself is
    shown once, when it is created (it is random and long, so a plain digest is enough)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64))
    scope: Mapped[Scope] = mapped_column(EnumString(Scope))
    token_digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)

    __table_args__ = (
        # A name belongs to one active token; a revoked token keeps its name for the audit log.
        Index(
            "uq_api_tokens_active_name",
            "name",
            unique=True,
            postgresql_where=ACTIVE_TOKEN,
            sqlite_where=ACTIVE_TOKEN,
        ),
    )


class AuditRecord(Base):
    """One call that changed something, or read a secret: who, what, on which store, how it
    ended. Written after the response is known; kept for WOO_AUDIT_RETENTION_DAYS."""

    __tablename__ = "audit_records"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    token_name: Mapped[str] = mapped_column(String(64), index=True)
    action: Mapped[str] = mapped_column(String(120), index=True)
    store_id: Mapped[str | None] = mapped_column(String(36), default=None, index=True)
    status_code: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[str] = mapped_column(String(32))
    client: Mapped[str | None] = mapped_column(String(64), default=None)
