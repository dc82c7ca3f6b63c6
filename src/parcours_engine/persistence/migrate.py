"""Run Alembic migrations from code (the CLI's `db upgrade`, tests, the web app's set-up)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["url"] = url
    return config


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Create or migrate the database at `url` (default: $DATABASE_URL or the embedded SQLite)."""
    command.upgrade(alembic_config(url), revision)
