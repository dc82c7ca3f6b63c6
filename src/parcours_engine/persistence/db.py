"""Database engines and the unit of work.

One unit of work = one request or one job run: `unit_of_work()` opens a session, commits once at the
end, rolls back on any error. Services receive the session and never commit. When a failed transition
carries an incident (see `domain.errors.TransitionFailed`), the incident is written in a fresh
transaction after the rollback, so the pathway stays exactly as it was and a person still sees why.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from parcours_engine.domain.errors import ConflictError, TransitionFailed
from parcours_engine.persistence.models import Incident

DEFAULT_SQLITE_PATH = Path("instance") / "parcours.sqlite3"


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
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN and breaks SELECT ... then UPDATE
        # isolation; take it over so that every unit of work is one real transaction.
        event.listen(engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN"))
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
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False, autoflush=True)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Run one unit of work: commit once on success, roll back everything on error."""
    session = factory()
    try:
        yield session
        session.commit()
    except TransitionFailed as failure:
        session.rollback()
        if failure.incident is not None:
            failure.incident_id = _record_incident(factory, failure.incident)
        raise
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def lost_race_as_conflict(message: str) -> Iterator[None]:
    """Turn a lost optimistic-concurrency race (at flush or autoflush) into `ConflictError(message)`.

    A stale version counter raises StaleDataError; SQLite in WAL mode refuses a write from a stale
    snapshot at once with "database is locked". Both mean: someone else wrote first.
    """
    try:
        yield
    except StaleDataError as exc:
        raise ConflictError(message) from exc
    except OperationalError as exc:
        if "locked" in str(exc.orig) or "busy" in str(exc.orig):
            raise ConflictError(message) from exc
        raise


def _record_incident(factory: sessionmaker[Session], draft: dict[str, Any]) -> int:
    """Write the incident of a rolled-back transition in its own transaction."""
    with factory() as session, session.begin():
        if draft.get("retry_of") is not None:
            existing = session.get(Incident, draft["retry_of"])
            if existing is not None:
                existing.attempts += 1
                existing.message = draft["message"][:4000]
                return existing.id
        incident = Incident(
            pathway_id=draft["pathway_id"],
            created_at=draft["at"],
            element_id=draft.get("element_id"),
            operation=draft["operation"],
            operation_json=json.dumps(draft.get("operation_data", {}), default=str),
            message=draft["message"][:4000],
        )
        session.add(incident)
        session.flush()
        return incident.id
