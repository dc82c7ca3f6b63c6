"""a second factor for staff accounts (TOTP) and its single-use recovery codes

- `second_factor`: one per account, pending until confirmed with a first code; `last_step` is the
  time step of the last code accepted (a code is never accepted twice).
- `recovery_code`: ten per enrolment, argon2 hashes, each used once.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 04:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import parcours_engine.persistence.types

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

UTC_DATETIME = parcours_engine.persistence.types.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "second_factor",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTC_DATETIME, nullable=False),
        sa.Column("confirmed_at", UTC_DATETIME, nullable=True),
        sa.Column("last_step", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_second_factor_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_second_factor")),
        sa.UniqueConstraint("account_id", name=op.f("uq_second_factor_account_id")),
    )
    op.create_table(
        "recovery_code",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(length=200), nullable=False),
        sa.Column("used_at", UTC_DATETIME, nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_recovery_code_account_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recovery_code")),
    )
    op.create_index(op.f("ix_recovery_code_account_id"), "recovery_code", ["account_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_recovery_code_account_id"), table_name="recovery_code")
    op.drop_table("recovery_code")
    op.drop_table("second_factor")
