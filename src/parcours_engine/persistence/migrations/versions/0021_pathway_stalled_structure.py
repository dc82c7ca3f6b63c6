"""pathway stalled structure: ix_pathway_stalled_structure (issue 16, a supervisor's stalled list)

A supervisor reads their structure's stalled pathways, oldest stall first, with their count. Without
an index on the structure among the stalled rows, SQLite walked the structure's every pathway
(ix_pathway_structure_idle_since) to count the 1 % that are stalled: 156 ms of the 170 ms the page
took at 200,000 pathways. Partial, like the other stalled indexes: only stalled rows are in it.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-05 08:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

STALLED = sa.text("stalled_since IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_pathway_stalled_structure",
        "pathway",
        ["structure_id", "stalled_since"],
        sqlite_where=STALLED,
        postgresql_where=STALLED,
    )


def downgrade() -> None:
    op.drop_index("ix_pathway_stalled_structure", table_name="pathway")
