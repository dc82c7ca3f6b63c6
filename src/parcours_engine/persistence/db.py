"""Database engines: the settings each backend needs for concurrent, durable use.

Transactions themselves belong to the unit of work (`persistence.uow`); this module only lets it ask
SQLite for the write lock at `BEGIN` (`write_lock_at_begin`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

DEFAULT_SQLITE_PATH = Path("instance") / "parcours.sqlite3"
# How long a SQLite writer waits for the lock before its unit of work fails with "try again" (503).
BUSY_WAIT_MS = int(os.environ.get("PARCOURS_SQLITE_BUSY_MS", "10000"))
_IMMEDIATE: ContextVar[bool] = ContextVar("parcours_sqlite_immediate", default=False)


@contextmanager
def write_lock_at_begin() -> Iterator[None]:
    """Transactions begun inside take SQLite's write lock at once (`BEGIN IMMEDIATE`)."""
    token = _IMMEDIATE.set(True)
    try:
        yield
    finally:
        _IMMEDIATE.reset(token)


def _begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _IMMEDIATE.get() else "BEGIN")


def database_url(explicit: str | None = None) -> str:
    """The URL to use: explicit, else $DATABASE_URL, else the embedded SQLite file."""
    url = explicit or os.environ.get("DATABASE_URL")
    if url:
        return url
    DEFAULT_SQLITE_PATH.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def make_engine(url: str | None = None, **kwargs: Any) -> Engine:
    """An engine with the settings each backend needs for concurrent, durable use."""
    url = database_url(url)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": BUSY_WAIT_MS / 1000}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN and breaks SELECT ... then UPDATE
        # isolation; take it over so that every unit of work is one real transaction.
        event.listen(engine, "begin", _begin)
        return engine
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see make_engine)
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while one writer commits; NORMAL sync is durable across process crashes
    # (a power cut may lose the last commits, never corrupt). Foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={BUSY_WAIT_MS}")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=True)
