"""day-2 operations: suspended stores, lost data, bounded automatic repairs

Revision ID: 0006_day2_ops
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from orchestrator.models import UTCDateTime

revision = "0006_day2_ops"
down_revision = "0005"
branch_labels = None
depends_on = None

# The predicates of ix_stores_due before and after this revision (orchestrator.models.NEEDS_WORK),
# frozen here as this revision wrote them.
NEEDS_WORK_BEFORE = sa.text(
    "((desired_state = 'present' AND status = 'Provisioning')"
    " OR (desired_state = 'absent' AND status = 'Deleting'))"
)
NEEDS_WORK = sa.text(
    "((desired_state = 'present' AND status = 'Provisioning')"
    " OR (desired_state = 'absent' AND status = 'Deleting')"
    " OR (desired_state = 'present' AND status IN ('Ready', 'Degraded', 'Suspended')"
    " AND data_lost_at IS NULL AND (applied_generation < generation OR step IS NOT NULL)))"
)


def upgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.add_column(
            sa.Column("suspended", sa.Boolean(), nullable=False, server_default=sa.text("false"))
        )
        batch.add_column(sa.Column("data_lost_at", UTCDateTime(), nullable=True))
        batch.add_column(
            sa.Column("repair_attempts", sa.Integer(), nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("last_repair_at", UTCDateTime(), nullable=True))
        batch.add_column(sa.Column("repair_reason", sa.Text(), nullable=True))
        batch.add_column(sa.Column("data_claims", sa.Text(), nullable=True))
    op.drop_index("ix_stores_due", table_name="stores")
    op.create_index(
        "ix_stores_due",
        "stores",
        ["next_attempt_at"],
        postgresql_where=NEEDS_WORK,
        sqlite_where=NEEDS_WORK,
    )


def downgrade() -> None:
    op.drop_index("ix_stores_due", table_name="stores")
    op.create_index(
        "ix_stores_due",
        "stores",
        ["next_attempt_at"],
        postgresql_where=NEEDS_WORK_BEFORE,
        sqlite_where=NEEDS_WORK_BEFORE,
    )
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("data_claims")
        batch.drop_column("repair_reason")
        batch.drop_column("last_repair_at")
        batch.drop_column("repair_attempts")
        batch.drop_column("data_lost_at")
        batch.drop_column("suspended")
