"""Migration 0015 fills the name key of the people registered before it (duplicate detection, issue
15 point 9), so that a new registration finds them too."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from parcours_engine.persistence.db import make_engine
from parcours_engine.persistence.migrate import alembic_config, upgrade


def test_0015_fills_the_key_of_people_registered_before(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0014")
    engine = make_engine(database_url)
    at: object = datetime(2026, 1, 1, tzinfo=UTC) if "postgresql" in database_url else "2026-01-01 00:00:00"
    with engine.begin() as conn:
        for number, (last, first) in enumerate((("ESSAI", "Léonie"), ("Le Bœuf-Dupont", "Jean Pierre"))):
            conn.execute(
                text(
                    "INSERT INTO beneficiary (identifier, last_name, first_name, birth_date, sex,"
                    " priority_district, ase, mna, created_at)"
                    " VALUES (:identifier, :last, :first, '2001-02-03', 'F', false, false, false, :at)"
                ),
                {"identifier": f"PE-OLD-{number}", "last": last, "first": first, "at": at},
            )
    upgrade(database_url)
    with engine.begin() as conn:
        keys = conn.execute(text("SELECT name_key FROM beneficiary ORDER BY identifier")).scalars().all()
    assert keys == ["essai|leonie", "leboeufdupont|jeanpierre"]
    engine.dispose()
