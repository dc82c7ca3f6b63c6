"""structure-scoped figures: the profile at entry on the pathway, the structure on derived rows

The dashboard reads each structure's figures (a supervisor sees their structure only) from covering
indexes: `pathway` gains the person's profile when the pathway started (sex, qualification level,
priority district: what funders count "à l'entrée", and what spares a join with every person);
`waiting_element` and `idle_period` copy their pathway's structure; objectives are set per structure.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 23:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ORGANISATION = sa.text("structure_id IS NULL")


def upgrade() -> None:
    with op.batch_alter_table("pathway", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entry_sex", sa.String(length=1), nullable=True))
        batch_op.add_column(sa.Column("entry_qualification_level", sa.String(length=8), nullable=True))
        batch_op.add_column(sa.Column("entry_priority_district", sa.Boolean(), nullable=True))
    # Beneficiaries are not edited after registration: their profile now is their profile at entry.
    for column, source in (
        ("entry_sex", "sex"),
        ("entry_qualification_level", "qualification_level"),
        ("entry_priority_district", "priority_district"),
    ):
        op.execute(
            f"UPDATE pathway SET {column} = "  # noqa: S608 - fixed column names above
            f"(SELECT beneficiary.{source} FROM beneficiary WHERE beneficiary.id = pathway.beneficiary_id)"
        )
    with op.batch_alter_table("pathway", schema=None) as batch_op:
        batch_op.drop_index("ix_pathway_programme_beneficiary")
        batch_op.create_index(
            "ix_pathway_programme_people",
            ["programme", "beneficiary_id", "started_at", "ended_at", "structure_id"],
            unique=False,
        )
        batch_op.create_index(
            "ix_pathway_programme_profile",
            [
                "programme",
                "entry_sex",
                "entry_qualification_level",
                "entry_priority_district",
                "started_at",
                "ended_at",
                "structure_id",
            ],
            unique=False,
        )
        batch_op.drop_index("ix_pathway_programme_ended")
        batch_op.create_index(
            "ix_pathway_programme_ended",
            ["programme", "ended_at", "status", "outcome", "structure_id"],
            unique=False,
        )
        batch_op.drop_index("ix_pathway_programme_status_referent")
        batch_op.create_index(
            "ix_pathway_programme_status_referent",
            ["programme", "status", "referent_id", "structure_id"],
            unique=False,
        )
    for table in ("waiting_element", "idle_period"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("structure_id", sa.Integer(), nullable=True))
        op.execute(
            f"UPDATE {table} SET structure_id = "  # noqa: S608 - fixed table names above
            f"(SELECT pathway.structure_id FROM pathway WHERE pathway.id = {table}.pathway_id)"
        )
    with op.batch_alter_table("waiting_element", schema=None) as batch_op:
        batch_op.drop_index("ix_waiting_element_version_element")
        batch_op.create_index(
            "ix_waiting_element_version_element",
            ["process_version_id", "element_id", "since", "structure_id"],
            unique=False,
        )
    with op.batch_alter_table("idle_period", schema=None) as batch_op:
        batch_op.drop_index("ix_idle_period_programme_ended_at")
        batch_op.create_index(
            "ix_idle_period_programme_ended_at",
            ["programme", "ended_at", "seconds", "structure_id"],
            unique=False,
        )
    # Existing objectives were the organisation's (no structure): they stay so.
    with op.batch_alter_table("objective", schema=None) as batch_op:
        batch_op.add_column(sa.Column("structure_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            "fk_objective_structure_id_structure", "structure", ["structure_id"], ["id"]
        )
        batch_op.drop_constraint("uq_objective_programme_year", type_="unique")
        batch_op.create_unique_constraint(
            "uq_objective_programme_year_structure", ["programme", "year", "structure_id"]
        )
        batch_op.create_index(
            "uq_objective_programme_year_organisation",
            ["programme", "year"],
            unique=True,
            sqlite_where=ORGANISATION,
            postgresql_where=ORGANISATION,
        )


def downgrade() -> None:
    with op.batch_alter_table("objective", schema=None) as batch_op:
        batch_op.drop_index("uq_objective_programme_year_organisation")
        batch_op.drop_constraint("uq_objective_programme_year_structure", type_="unique")
        batch_op.drop_constraint("fk_objective_structure_id_structure", type_="foreignkey")
    # Only the organisation's objectives fit the old shape.
    op.execute("DELETE FROM objective WHERE structure_id IS NOT NULL")
    with op.batch_alter_table("objective", schema=None) as batch_op:
        batch_op.drop_column("structure_id")
        batch_op.create_unique_constraint("uq_objective_programme_year", ["programme", "year"])
    with op.batch_alter_table("idle_period", schema=None) as batch_op:
        batch_op.drop_index("ix_idle_period_programme_ended_at")
        batch_op.create_index(
            "ix_idle_period_programme_ended_at", ["programme", "ended_at", "seconds"], unique=False
        )
        batch_op.drop_column("structure_id")
    with op.batch_alter_table("waiting_element", schema=None) as batch_op:
        batch_op.drop_index("ix_waiting_element_version_element")
        batch_op.create_index(
            "ix_waiting_element_version_element", ["process_version_id", "element_id", "since"], unique=False
        )
        batch_op.drop_column("structure_id")
    with op.batch_alter_table("pathway", schema=None) as batch_op:
        batch_op.drop_index("ix_pathway_programme_status_referent")
        batch_op.create_index(
            "ix_pathway_programme_status_referent", ["programme", "status", "referent_id"], unique=False
        )
        batch_op.drop_index("ix_pathway_programme_ended")
        batch_op.create_index(
            "ix_pathway_programme_ended", ["programme", "ended_at", "status", "outcome"], unique=False
        )
        batch_op.drop_index("ix_pathway_programme_profile")
        batch_op.drop_index("ix_pathway_programme_people")
        batch_op.create_index(
            "ix_pathway_programme_beneficiary",
            ["programme", "beneficiary_id", "started_at", "ended_at"],
            unique=False,
        )
        batch_op.drop_column("entry_priority_district")
        batch_op.drop_column("entry_qualification_level")
        batch_op.drop_column("entry_sex")
