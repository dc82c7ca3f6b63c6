"""the access log records lists, searches and refused attempts

A list or a search names no single person: its row has no beneficiary and says how many rows it
showed (`shown`); a refused attempt is a row with the action "refused" and no beneficiary either.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 20:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.alter_column("beneficiary_id", existing_type=sa.Integer(), nullable=True)
        batch_op.add_column(sa.Column("shown", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.execute("DELETE FROM access_log WHERE beneficiary_id IS NULL")
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_column("shown")
        batch_op.alter_column("beneficiary_id", existing_type=sa.Integer(), nullable=False)
