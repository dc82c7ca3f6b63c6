"""model drafts remember who saved last

The studio's editor refuses a save whose revision is stale and tells the coordinator who saved the
draft before them and when; drafts so far only knew who started them, which is who saved them last
as far as anyone can tell.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-24 00:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("model_draft", schema=None) as batch_op:
        batch_op.add_column(sa.Column("updated_by", sa.String(length=80), nullable=True))
    op.execute("UPDATE model_draft SET updated_by = author")
    with op.batch_alter_table("model_draft", schema=None) as batch_op:
        batch_op.alter_column("updated_by", existing_type=sa.String(length=80), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("model_draft", schema=None) as batch_op:
        batch_op.drop_column("updated_by")
