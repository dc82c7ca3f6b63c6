"""pathway version status: ix_pathway_version_status (issue 16, the studio's pages)

The studio shows each version with its active pathways: counted per version on this index (one
programme's history reads its versions' entries only) instead of grouping every pathway.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-04 19:05:00
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_pathway_version_status", "pathway", ["process_version_id", "status"])


def downgrade() -> None:
    op.drop_index("ix_pathway_version_status", table_name="pathway")
