"""supervision indexes: partial indexes of stalled pathways, covering indexes of the dashboard

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 21:00:36.561963
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

STALLED = sa.text("stalled_since IS NOT NULL")
PARTIAL = {"sqlite_where": STALLED, "postgresql_where": STALLED}


def upgrade() -> None:
    with op.batch_alter_table("pathway", schema=None) as batch_op:
        # Only stalled rows: the sweep's "not stalled yet" then goes through the deadline indexes.
        batch_op.drop_index("ix_pathway_stalled_since")
        batch_op.create_index("ix_pathway_stalled_since", ["stalled_since"], unique=False, **PARTIAL)
        batch_op.create_index(
            "ix_pathway_stalled_programme", ["programme", "stalled_since"], unique=False, **PARTIAL
        )
        batch_op.create_index(
            "ix_pathway_stalled_referent", ["referent_id", "stalled_since"], unique=False, **PARTIAL
        )
        batch_op.create_index(
            "ix_pathway_programme_beneficiary",
            ["programme", "beneficiary_id", "started_at", "ended_at"],
            unique=False,
        )
        batch_op.create_index(
            "ix_pathway_programme_ended", ["programme", "ended_at", "status", "outcome"], unique=False
        )
        batch_op.create_index(
            "ix_pathway_programme_status_referent", ["programme", "status", "referent_id"], unique=False
        )
    with op.batch_alter_table("waiting_element", schema=None) as batch_op:
        batch_op.drop_index("ix_waiting_element_version_element")
        batch_op.create_index(
            "ix_waiting_element_version_element",
            ["process_version_id", "element_id", "since"],
            unique=False,
        )
    with op.batch_alter_table("idle_period", schema=None) as batch_op:
        batch_op.drop_index("ix_idle_period_programme_ended_at")
        batch_op.create_index(
            "ix_idle_period_programme_ended_at", ["programme", "ended_at", "seconds"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("idle_period", schema=None) as batch_op:
        batch_op.drop_index("ix_idle_period_programme_ended_at")
        batch_op.create_index("ix_idle_period_programme_ended_at", ["programme", "ended_at"], unique=False)
    with op.batch_alter_table("waiting_element", schema=None) as batch_op:
        batch_op.drop_index("ix_waiting_element_version_element")
        batch_op.create_index(
            "ix_waiting_element_version_element", ["process_version_id", "element_id"], unique=False
        )
    with op.batch_alter_table("pathway", schema=None) as batch_op:
        for name in (
            "ix_pathway_programme_status_referent",
            "ix_pathway_programme_ended",
            "ix_pathway_programme_beneficiary",
            "ix_pathway_stalled_referent",
            "ix_pathway_stalled_programme",
            "ix_pathway_stalled_since",
        ):
            batch_op.drop_index(name)
        batch_op.create_index("ix_pathway_stalled_since", ["stalled_since"], unique=False)
