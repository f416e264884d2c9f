"""stores remember the token that asked for them

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("stores") as batch:
        batch.add_column(sa.Column("created_by", sa.String(64), nullable=True))
    op.create_index("ix_stores_created_by", "stores", ["created_by"])


def downgrade() -> None:
    op.drop_index("ix_stores_created_by", table_name="stores")
    with op.batch_alter_table("stores") as batch:
        batch.drop_column("created_by")
