"""Migration 0011 on a database in use: the tokens accounts had keep working (as rows of api_token,
with an expiry), and SQLite's copy of `account` keeps every row that refers to it (the journal).
Then back down to 0010 and up again."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic import command
from sqlalchemy import text

from parcours_engine.persistence.db import make_engine
from parcours_engine.persistence.migrate import alembic_config, upgrade


def test_0011_moves_the_tokens_and_keeps_the_rows_referring_to_accounts(database_url: str) -> None:
    command.downgrade(alembic_config(database_url), "0010")
    engine = make_engine(database_url)
    at: object = datetime(2026, 1, 1, tzinfo=UTC) if "postgresql" in database_url else "2026-01-01 00:00:00"
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO account (username, display_name, role, active, created_at, api_token_hash)"
                " VALUES ('lea', 'Léa', 'admin', true, :at, 'a-sha256')"
            ),
            {"at": at},
        )
        conn.execute(
            text("INSERT INTO account_event (at, actor_id, kind, changes_json) VALUES (:at, 1, 'k', '{}')"),
            {"at": at},
        )
    upgrade(database_url)
    with engine.begin() as conn:
        tokens = conn.execute(text("SELECT account_id, token_hash, expires_at FROM api_token")).all()
        generations = conn.execute(text("SELECT session_generation FROM account")).scalars().all()
        journal = conn.execute(text("SELECT count(*) FROM account_event")).scalar()
    assert [(account, sha) for account, sha, _expires in tokens] == [(1, "a-sha256")]
    assert tokens[0][2] is not None and generations == [0] and journal == 1
    command.downgrade(alembic_config(database_url), "0010")
    upgrade(database_url)
    engine.dispose()
