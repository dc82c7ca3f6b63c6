"""Database engines: the settings each backend needs for concurrent, durable use.

Transactions themselves belong to the unit of work (`persistence.uow`); this module only lets it ask
SQLite for the write lock at `BEGIN` (`write_lock_at_begin`).

What a server log may show: SQL statements, never their parameters (usernames, names, addresses;
`hide_parameters`). An embedded SQLite database is the owner's only: the file 0600 (its journal
files take the same mode), and the `instance/` folder that holds it 0700.
"""

from __future__ import annotations

import contextlib
import os
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, make_url
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


_GATES: dict[str, threading.Lock] = {}
_WAITS: weakref.WeakKeyDictionary[Engine, float] = weakref.WeakKeyDictionary()
_GATES_LOCK = threading.Lock()


def writer_gate(bind: Any) -> tuple[threading.Lock, float] | None:
    """The lock this process's writers of one SQLite file take in turn, and how long this engine's
    writers wait for it (its busy wait: `/healthz` waits briefly); None for PostgreSQL."""
    engine = getattr(bind, "engine", bind)
    if engine.dialect.name != "sqlite":
        return None
    with _GATES_LOCK:
        gate = _GATES.setdefault(str(engine.url), threading.Lock())
    return gate, _WAITS.get(engine, BUSY_WAIT_MS / 1000)


def _begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN IMMEDIATE" if _IMMEDIATE.get() else "BEGIN")


def database_url(explicit: str | None = None) -> str:
    """The URL to use: explicit, else $DATABASE_URL, else the embedded SQLite file."""
    url = explicit or os.environ.get("DATABASE_URL")
    if url:
        return url
    private_folder(DEFAULT_SQLITE_PATH.parent)
    return f"sqlite:///{DEFAULT_SQLITE_PATH}"


def private_folder(folder: Path) -> None:
    """The folder, created when missing, readable by its owner only (0700)."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    folder.chmod(0o700)


def make_engine(url: str | None = None, *, busy_ms: int | None = None, **kwargs: Any) -> Engine:
    """An engine with the settings each backend needs for concurrent, durable use. `busy_ms`: how long
    a writer waits for SQLite's write lock, or PostgreSQL's lock on a row (default: the usual wait)."""
    url = database_url(url)
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    if url.startswith("sqlite"):
        _private_sqlite_file(url)
        wait = BUSY_WAIT_MS if busy_ms is None else busy_ms
        engine = create_engine(url, connect_args={"timeout": wait / 1000}, **kwargs)
        _WAITS[engine] = wait / 1000
        event.listen(engine, "connect", lambda conn, _record: _sqlite_pragmas(conn, wait))
        # pysqlite's own transaction handling defers BEGIN and breaks SELECT ... then UPDATE
        # isolation; take it over so that every unit of work is one real transaction.
        event.listen(engine, "begin", _begin)
        return engine
    if busy_ms is not None:
        kwargs.setdefault("connect_args", {"options": f"-c lock_timeout={busy_ms}"})
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _private_sqlite_file(url: str) -> None:
    """An SQLite database file is created 0600, and an existing one made so (it is the owner's)."""
    parsed = make_url(url)
    name = parsed.database
    if not name or name == ":memory:" or name.startswith("file:") or parsed.query.get("uri"):
        return
    path = Path(name)
    if not path.parent.exists():
        private_folder(path.parent)
    elif path.parent.resolve() == DEFAULT_SQLITE_PATH.parent.resolve():
        path.parent.chmod(0o700)
    with contextlib.suppress(OSError):  # a read-only mount: the database will say so, with a 503
        if not path.exists():
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
        path.chmod(0o600)


def _sqlite_pragmas(dbapi_connection: Any, wait_ms: int) -> None:
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves (see make_engine)
    cursor = dbapi_connection.cursor()
    # WAL lets readers work while one writer commits; NORMAL sync is durable across process crashes
    # (a power cut may lose the last commits, never corrupt). Foreign keys are off by default in SQLite.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={wait_ms}")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=True)
