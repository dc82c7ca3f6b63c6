"""The health check's write: is the database able to take one now?

`/healthz` writes one row (`health_check`) in a unit of work of its own, through sessions whose
engine waits for the write lock only briefly (web.app). A database that refuses the write (read-only,
disk full, gone) is `Unavailable`; one whose lock another writer holds past that short wait is alive
and busy.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.domain.errors import Unavailable
from parcours_engine.persistence.models import HealthCheck
from parcours_engine.persistence.uow import unit_of_work


def check_write(sessions: sessionmaker[Session], now: datetime) -> str:
    """ "ok" once the write is committed, "busy" when another writer holds the lock; Unavailable when
    the database cannot take a write."""
    try:
        with unit_of_work(sessions) as session:
            postgres = session.get_bind().dialect.name == "postgresql"
            statement = (pg_insert if postgres else sqlite_insert)(HealthCheck).values(id=1, checked_at=now)
            session.execute(statement.on_conflict_do_update(index_elements=["id"], set_={"checked_at": now}))
    except Unavailable as unavailable:
        if _busy(unavailable.__cause__):
            return "busy"
        raise
    except DBAPIError as exc:
        if _busy(exc):
            return "busy"
        raise Unavailable() from exc  # gone, or anything else that stops a write
    return "ok"


def _busy(exc: BaseException | None) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    state = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    return state == "55P03" or "database is locked" in text or "busy" in text
