"""programme_person: pathways per person and programme, kept by triggers (issue 16)

- `programme_person` (programme, beneficiary_id, pathways), filled from the existing pathways; the
  dashboard reads the people with several pathways of a programme here (ix_programme_person_repeat).
- triggers on `pathway` (insert, delete, a change of programme or person) keep it
  (persistence/models/figures.py: PATHWAY_COUNT_TRIGGERS).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-04 18:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from parcours_engine.persistence.models.figures import PATHWAY_COUNT_TRIGGERS

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "programme_person",
        sa.Column("programme", sa.String(length=64), nullable=False),
        sa.Column("beneficiary_id", sa.Integer(), nullable=False),
        sa.Column("pathways", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("programme", "beneficiary_id", name=op.f("pk_programme_person")),
    )
    # The triggers first: on PostgreSQL, creating them waits for the writers of `pathway` and holds
    # new ones off until the migration commits, so each pathway is counted once, by the fill below
    # (committed before it) or by a trigger (written after). Filled first, a pathway committed in
    # between was counted by neither.
    for statement in PATHWAY_COUNT_TRIGGERS[op.get_bind().dialect.name][0]:
        op.execute(statement)
    op.execute(
        "INSERT INTO programme_person (programme, beneficiary_id, pathways) "
        "SELECT programme, beneficiary_id, count(*) FROM pathway GROUP BY programme, beneficiary_id"
    )
    op.create_index(
        "ix_programme_person_repeat", "programme_person", ["programme", "pathways", "beneficiary_id"]
    )


def downgrade() -> None:
    for statement in PATHWAY_COUNT_TRIGGERS[op.get_bind().dialect.name][1]:
        op.execute(statement)
    op.drop_index("ix_programme_person_repeat", table_name="programme_person")
    op.drop_table("programme_person")
