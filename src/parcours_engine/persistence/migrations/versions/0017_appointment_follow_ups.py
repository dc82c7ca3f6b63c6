"""appointment follow-ups (issue 17)

- `appointment_follow_up`: the referent's "Relancer la personne" after an unexcused absence, one per
  appointment (unique), due three working days later, done with an outcome of a closed list.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04 16:42:50.342286
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import parcours_engine.persistence.types

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "appointment_follow_up",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("pathway_id", sa.Integer(), nullable=True),
        sa.Column("appointment_id", sa.Integer(), nullable=False),
        sa.Column("referent_id", sa.Integer(), nullable=False),
        sa.Column("created_at", parcours_engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("due_at", parcours_engine.persistence.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", parcours_engine.persistence.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=80), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["appointment_id"],
            ["appointment.id"],
            name=op.f("fk_appointment_follow_up_appointment_id_appointment"),
        ),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["beneficiary.id"],
            name=op.f("fk_appointment_follow_up_beneficiary_id_beneficiary"),
        ),
        sa.ForeignKeyConstraint(
            ["pathway_id"], ["pathway.id"], name=op.f("fk_appointment_follow_up_pathway_id_pathway")
        ),
        sa.ForeignKeyConstraint(
            ["referent_id"], ["account.id"], name=op.f("fk_appointment_follow_up_referent_id_account")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_appointment_follow_up")),
        sa.UniqueConstraint("appointment_id", name="uq_appointment_follow_up_once"),
    )
    with op.batch_alter_table("appointment_follow_up", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_appointment_follow_up_beneficiary_id"), ["beneficiary_id"], unique=False
        )
        batch_op.create_index(
            "ix_appointment_follow_up_referent_open", ["referent_id", "done_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("appointment_follow_up", schema=None) as batch_op:
        batch_op.drop_index("ix_appointment_follow_up_referent_open")
        batch_op.drop_index(batch_op.f("ix_appointment_follow_up_beneficiary_id"))

    op.drop_table("appointment_follow_up")
