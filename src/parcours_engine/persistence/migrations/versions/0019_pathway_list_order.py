"""pathway list order: ix_pathway_structure_idle_since, ix_pathway_idle_since (issue 16, pages)

The pathway lists' default order (idle pathways first, by idle date) walks these indexes, for one
structure or for all (pathways.pathway_lists), instead of sorting every pathway the reader may see.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04 19:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_pathway_structure_idle_since", "pathway", ["structure_id", "idle_since"])
    op.create_index("ix_pathway_idle_since", "pathway", ["idle_since"])


def downgrade() -> None:
    op.drop_index("ix_pathway_idle_since", table_name="pathway")
    op.drop_index("ix_pathway_structure_idle_since", table_name="pathway")
