"""corrections of a person's identity fields, with their history (RGPD Art. 16)

- `identity_correction`: one row per corrected field: whose, when, by whom, from what to what.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 21:50:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import parcours_engine.persistence.types

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

UTC_DATETIME = parcours_engine.persistence.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "identity_correction",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(length=32), nullable=False),
        sa.Column("old_value", sa.String(length=120), nullable=True),
        sa.Column("new_value", sa.String(length=120), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_identity_correction_account_id_account")
        ),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["beneficiary.id"],
            name=op.f("fk_identity_correction_beneficiary_id_beneficiary"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_correction")),
    )
    with op.batch_alter_table("identity_correction", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_correction_beneficiary_id"), ["beneficiary_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("identity_correction", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_correction_beneficiary_id"))
    op.drop_table("identity_correction")
