"""the key of a person's names, to find a duplicate at registration (issue 15, point 9)

- `beneficiary.name_key`: the names without accents, case, hyphens or spaces (`last|first`), filled
  for the people already registered; indexed with the birth date.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-04 04:30:00
"""

from __future__ import annotations

import unicodedata

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "ı": "i"})
_BATCH = 1000


def _part(name: str) -> str:
    # A copy of domain.names.name_part as it was when this migration was written: a migration
    # must give the same result whatever the code becomes.
    folded = unicodedata.normalize("NFKD", name.casefold().translate(_LIGATURES))
    return "".join(c for c in folded if c.isalnum() and not unicodedata.combining(c))


def upgrade() -> None:
    with op.batch_alter_table("beneficiary", schema=None) as batch_op:
        batch_op.add_column(sa.Column("name_key", sa.String(length=250), nullable=True))
        batch_op.create_index("ix_beneficiary_name_key_birth_date", ["name_key", "birth_date"], unique=False)
    connection = op.get_bind()
    table = sa.table(
        "beneficiary",
        sa.column("id", sa.Integer),
        sa.column("last_name", sa.String),
        sa.column("first_name", sa.String),
        sa.column("name_key", sa.String),
    )
    last = 0
    while True:
        rows = connection.execute(
            sa.select(table.c.id, table.c.last_name, table.c.first_name)
            .where(table.c.id > last)
            .order_by(table.c.id)
            .limit(_BATCH)
        ).all()
        if not rows:
            break
        connection.execute(
            table.update().where(table.c.id == sa.bindparam("row_id")).values(name_key=sa.bindparam("key")),
            [
                {"row_id": row.id, "key": f"{_part(row.last_name or '')}|{_part(row.first_name or '')}"[:250]}
                for row in rows
            ],
        )
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("beneficiary", schema=None) as batch_op:
        batch_op.drop_index("ix_beneficiary_name_key_birth_date")
        batch_op.drop_column("name_key")
