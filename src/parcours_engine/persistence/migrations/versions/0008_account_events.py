"""account events: the administration's journal of changes to accounts and structures

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 23:57:20.402199
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import parcours_engine.persistence.types

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "account_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", parcours_engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("structure_id", sa.Integer(), nullable=True),
        sa.Column("changes_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_account_event_account_id_account")
        ),
        sa.ForeignKeyConstraint(["actor_id"], ["account.id"], name=op.f("fk_account_event_actor_id_account")),
        sa.ForeignKeyConstraint(
            ["structure_id"], ["structure.id"], name=op.f("fk_account_event_structure_id_structure")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_event")),
    )
    with op.batch_alter_table("account_event", schema=None) as batch_op:
        batch_op.create_index("ix_account_event_account_at", ["account_id", "at"], unique=False)
        batch_op.create_index("ix_account_event_structure_at", ["structure_id", "at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("account_event", schema=None) as batch_op:
        batch_op.drop_index("ix_account_event_structure_at")
        batch_op.drop_index("ix_account_event_account_at")
    op.drop_table("account_event")
