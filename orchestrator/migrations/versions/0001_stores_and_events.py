"""stores and their events

Revision ID: 0001
Revises:
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from orchestrator.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

LIVE = sa.text("status != 'Deleted'")


def upgrade() -> None:
    op.create_table(
        "stores",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("store_name", sa.String(63), nullable=False),
        sa.Column("namespace", sa.String(63), nullable=False),
        sa.Column("domain", sa.String(253), nullable=False),
        sa.Column("environment", sa.String(16), nullable=False),
        sa.Column("desired_state", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("storefront_url", sa.String(300), nullable=True),
        sa.Column("admin_url", sa.String(300), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=True),
        sa.Column("idempotency_key", sa.String(200), nullable=True),
        sa.Column("request_digest", sa.String(64), nullable=True),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("applied_generation", sa.Integer(), nullable=False),
        sa.Column("release_revision", sa.Integer(), nullable=True),
        sa.Column("step", sa.String(32), nullable=True),
        sa.Column("step_started_at", UTCDateTime(), nullable=True),
        sa.Column("step_deadline_at", UTCDateTime(), nullable=True),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
        sa.Column("lease_owner", sa.String(120), nullable=True),
        sa.Column("lease_expires_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_stores"),
        sa.UniqueConstraint("namespace", name="uq_stores_namespace"),
        sa.UniqueConstraint("idempotency_key", name="uq_stores_idempotency_key"),
    )
    op.create_index(
        "uq_stores_live_store_name",
        "stores",
        ["store_name"],
        unique=True,
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )
    op.create_index(
        "uq_stores_live_domain",
        "stores",
        ["domain"],
        unique=True,
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )
    op.create_index("ix_stores_status_created", "stores", ["status", "created_at"])
    op.create_index("ix_stores_created_at", "stores", ["created_at"])
    op.create_index("ix_stores_next_attempt_at", "stores", ["next_attempt_at"])

    op.create_table(
        "store_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("store_id", sa.String(36), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("step", sa.String(32), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            ondelete="CASCADE",
            name="fk_store_events_store_id_stores",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_store_events"),
    )
    op.create_index("ix_store_events_store_id", "store_events", ["store_id"])


def downgrade() -> None:
    op.drop_index("ix_store_events_store_id", table_name="store_events")
    op.drop_table("store_events")
    op.drop_index("ix_stores_next_attempt_at", table_name="stores")
    op.drop_index("ix_stores_created_at", table_name="stores")
    op.drop_index("ix_stores_status_created", table_name="stores")
    op.drop_index("uq_stores_live_domain", table_name="stores")
    op.drop_index("uq_stores_live_store_name", table_name="stores")
    op.drop_table("stores")
