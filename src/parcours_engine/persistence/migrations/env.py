"""Alembic environment: the URL comes from the caller (CLI) or $DATABASE_URL / the embedded SQLite."""

from __future__ import annotations

from alembic import context

from parcours_engine.persistence import (  # noqa: F401 - their tables join Base.metadata
    admin_models,
    passport_models,
    studio_models,
)
from parcours_engine.persistence.db import make_engine
from parcours_engine.persistence.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.attributes.get("url"))
    with engine.connect() as conn:
        _run(conn)
        conn.commit()
    engine.dispose()


def _run(connection: object) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=target_metadata,
        render_as_batch=True,  # SQLite alters tables by copying them
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `parcours-engine db upgrade`")
run_migrations_online()
