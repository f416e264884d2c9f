"""plans, versions and fleet rollouts: a store's plan, version and pin, what it runs, and the
rollouts table with each store's place in it; Upgrading stores are claimed like provisioning ones

Revision ID: 0007_plans_versions_rollouts
Revises: 0006_day2_ops
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_plans_versions_rollouts"
down_revision = "0006_day2_ops"
branch_labels = None
depends_on = None

# orchestrator.models.NEEDS_WORK as this revision writes it, and as 0006 wrote it.
NEEDS_WORK = sa.text(
    "((desired_state = 'present' AND status = 'Provisioning')"
    " OR (desired_state = 'absent' AND status = 'Deleting')"
    " OR (desired_state = 'present' AND status = 'Upgrading')"
    " OR (desired_state = 'present' AND status IN ('Ready', 'Degraded', 'Suspended')"
    " AND data_lost_at IS NULL AND (applied_generation < generation OR step IS NOT NULL)))"
)
NEEDS_WORK_0006 = sa.text(
    "((desired_state = 'present' AND status = 'Provisioning')"
    " OR (desired_state = 'absent' AND status = 'Deleting')"
    " OR (desired_state = 'present' AND status IN ('Ready', 'Degraded', 'Suspended')"
    " AND data_lost_at IS NULL AND (applied_generation < generation OR step IS NOT NULL)))"
)


def upgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("plan", sa.String(32), nullable=False, server_default="small"))
        batch.add_column(sa.Column("version", sa.String(32), nullable=True))
        batch.add_column(
            sa.Column("pinned", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
        batch.add_column(sa.Column("target_plan", sa.String(32), nullable=True))
        batch.add_column(sa.Column("target_version", sa.String(32), nullable=True))
        batch.add_column(sa.Column("rollback_revision", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("chart_version", sa.String(64), nullable=True))
        batch.add_column(sa.Column("wordpress_version", sa.String(64), nullable=True))
        batch.add_column(sa.Column("woocommerce_version", sa.String(64), nullable=True))
    _due_index(NEEDS_WORK)

    op.create_table(
        "rollouts",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("target_version", sa.String(32), nullable=False),
        sa.Column("selector", sa.Text(), nullable=False),
        sa.Column("waves", sa.Text(), nullable=False),
        sa.Column("max_failure_ratio", sa.Float(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("status_reason", sa.Text(), nullable=True),
        sa.Column("current_wave", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_rollouts"),
    )
    op.create_index("ix_rollouts_created_at", "rollouts", ["created_at"])
    op.create_table(
        "rollout_stores",
        sa.Column("rollout_id", sa.String(36), nullable=False),
        sa.Column("store_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("wave", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("from_version", sa.String(32), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["rollout_id"],
            ["rollouts.id"],
            name="fk_rollout_stores_rollout_id_rollouts",
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["store_id"],
            ["stores.id"],
            name="fk_rollout_stores_store_id_stores",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("rollout_id", "store_id", name="pk_rollout_stores"),
    )
    op.create_index("ix_rollout_stores_store_id", "rollout_stores", ["store_id"])


def downgrade() -> None:
    op.drop_index("ix_rollout_stores_store_id", table_name="rollout_stores")
    op.drop_table("rollout_stores")
    op.drop_index("ix_rollouts_created_at", table_name="rollouts")
    op.drop_table("rollouts")
    _due_index(NEEDS_WORK_0006)
    with op.batch_alter_table("stores") as batch:
        for column in (
            "woocommerce_version",
            "wordpress_version",
            "chart_version",
            "rollback_revision",
            "target_version",
            "target_plan",
            "pinned",
            "version",
            "plan",
        ):
            batch.drop_column(column)


def _due_index(predicate: sa.TextClause) -> None:
    op.drop_index("ix_stores_due", table_name="stores")
    op.create_index(
        "ix_stores_due",
        "stores",
        ["next_attempt_at"],
        postgresql_where=predicate,
        sqlite_where=predicate,
    )
