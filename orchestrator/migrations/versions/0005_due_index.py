"""claim only from the stores that need work

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

# The same predicate as orchestrator.models.NEEDS_WORK, frozen here as this revision wrote it.
NEEDS_WORK = sa.text(
    "((desired_state = 'present' AND status = 'Provisioning')"
    " OR (desired_state = 'absent' AND status = 'Deleting'))"
)


def upgrade() -> None:
    op.drop_index("ix_stores_next_attempt_at", table_name="stores")
    op.create_index(
        "ix_stores_due",
        "stores",
        ["next_attempt_at"],
        postgresql_where=NEEDS_WORK,
        sqlite_where=NEEDS_WORK,
    )


def downgrade() -> None:
    op.drop_index("ix_stores_due", table_name="stores")
    op.create_index("ix_stores_next_attempt_at", "stores", ["next_attempt_at"])
