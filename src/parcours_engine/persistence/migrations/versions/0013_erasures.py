"""files anonymised at the end of their retention period or on request (RGPD Art. 17)

- `erasure`: one row per anonymised person: when, on which basis (retention | request), why, by whom.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 21:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import parcours_engine.persistence.types

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UTC_DATETIME = parcours_engine.persistence.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "erasure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("at", UTC_DATETIME, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("basis", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"], name=op.f("fk_erasure_account_id_account")),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"], ["beneficiary.id"], name=op.f("fk_erasure_beneficiary_id_beneficiary")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_erasure")),
        sa.UniqueConstraint("beneficiary_id", name=op.f("uq_erasure_beneficiary_id")),
    )


def downgrade() -> None:
    op.drop_table("erasure")
