"""backups: the backups table, a store's restore in progress, Restoring stores are claimed

Revision ID: 0008
Revises: 0007_plans_versions_rollouts
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from orchestrator.models import UTCDateTime

revision = "0008"
down_revision = "0007_plans_versions_rollouts"
branch_labels = None
depends_on = None

# orchestrator.models.NEEDS_WORK as this revision writes it, and as 0007 wrote it.
NEEDS_WORK = sa.text(
    "((desired_state = 'present' AND status IN ('Provisioning', 'Restoring'))"
    " OR (desired_state = 'absent' AND status = 'Deleting')"
    " OR (desired_state = 'present' AND status = 'Upgrading')"
    " OR (desired_state = 'present' AND status IN ('Ready', 'Degraded', 'Suspended')"
    " AND data_lost_at IS NULL AND (applied_generation < generation OR step IS NOT NULL)))"
)
NEEDS_WORK_0007 = sa.text(
    "((desired_state = 'present' AND status = 'Provisioning')"
    " OR (desired_state = 'absent' AND status = 'Deleting')"
    " OR (desired_state = 'present' AND status = 'Upgrading')"
    " OR (desired_state = 'present' AND status IN ('Ready', 'Degraded', 'Suspended')"
    " AND data_lost_at IS NULL AND (applied_generation < generation OR step IS NOT NULL)))"
)
STORE_COLUMNS = (
    ("backup_schedule", sa.String(100)),
    ("cloned_from_store_id", sa.String(36)),
    ("restore_backup_id", sa.String(36)),
    ("restore_snapshot_id", sa.String(64)),
    ("restore_source_store_id", sa.String(36)),
    ("safety_backup_id", sa.String(36)),
    ("restore_job", sa.String(63)),
)


def upgrade() -> None:
    op.create_table(
        "backups",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("store_id", sa.String(36), nullable=False),
        sa.Column("store_name", sa.String(63), nullable=False),
        sa.Column("namespace", sa.String(63), nullable=False),
        sa.Column("job_name", sa.String(63), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("snapshot_id", sa.String(64), nullable=True),
        sa.Column("size_bytes", sa.BigInteger(), nullable=True),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime(), nullable=True),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_backups"),
    )
    op.create_index("ix_backups_store_started", "backups", ["store_id", "started_at"])
    op.create_index("uq_backups_namespace_job", "backups", ["namespace", "job_name"], unique=True)
    op.create_index("ix_backups_expires_at", "backups", ["expires_at"])
    with op.batch_alter_table("stores") as batch:
        for name, type_ in STORE_COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
        batch.add_column(
            sa.Column(
                "safety_backup_pending", sa.Boolean(), nullable=False, server_default=sa.false()
            )
        )
    _due_index(NEEDS_WORK)


def downgrade() -> None:
    _due_index(NEEDS_WORK_0007)
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("safety_backup_pending")
        for name, _ in reversed(STORE_COLUMNS):
            batch.drop_column(name)
    op.drop_table("backups")


def _due_index(predicate: sa.TextClause) -> None:
    op.drop_index("ix_stores_due", table_name="stores")
    op.create_index(
        "ix_stores_due",
        "stores",
        ["next_attempt_at"],
        postgresql_where=predicate,
        sqlite_where=predicate,
    )
