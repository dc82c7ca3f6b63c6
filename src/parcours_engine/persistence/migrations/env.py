"""Alembic environment: the URL comes from the caller (CLI) or $DATABASE_URL / the embedded SQLite."""

from __future__ import annotations

from alembic import context

from parcours_engine.persistence.db import make_engine
from parcours_engine.persistence.models import Base  # the package imports every table's module

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.attributes.get("url"))
    with engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        if sqlite:
            # SQLite alters a table by copying it, then dropping the original: with foreign keys on,
            # that DROP fails as soon as other tables' rows refer to it (`account`, by the access
            # log...). They are off while migrating (a pragma that only works outside a transaction)
            # and the whole database is checked before they are on again.
            _sqlite_pragma(conn, "PRAGMA foreign_keys=OFF")
        _run(conn)
        conn.commit()
        if sqlite:
            broken = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            conn.commit()
            if broken:
                raise SystemExit(f"the migration left rows referring to nothing: {broken[:5]}")
            _sqlite_pragma(conn, "PRAGMA foreign_keys=ON")
    engine.dispose()


def _sqlite_pragma(conn: object, pragma: str) -> None:
    """Run a pragma on the driver's connection itself, outside any transaction."""
    conn.connection.driver_connection.execute(pragma)  # type: ignore[attr-defined]


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
