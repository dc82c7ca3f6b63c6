"""The health check's write: is the database able to take one now?

`/healthz` writes one row (`health_check`) in a transaction of its own, through an engine that waits
for the write lock only briefly (web.app). A database that refuses the write (read-only, disk full,
gone) is `Unavailable`; one whose lock another writer holds past that short wait is alive and busy.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import DBAPIError

from parcours_engine.domain.errors import Unavailable
from parcours_engine.persistence.models import HealthCheck


def check_write(engine: Engine, now: datetime) -> str:
    """ "ok" once the write is committed, "busy" when another writer holds the lock; Unavailable when
    the database cannot take a write."""
    insert = pg_insert if engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(HealthCheck).values(id=1, checked_at=now)
    statement = statement.on_conflict_do_update(index_elements=["id"], set_={"checked_at": now})
    try:
        with engine.begin() as conn:
            conn.execute(statement)
    except DBAPIError as exc:
        if _busy(exc):
            return "busy"
        raise Unavailable() from exc  # read-only, disk full, gone: whatever stops a write
    return "ok"


def _busy(exc: DBAPIError) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    state = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    return state == "55P03" or "database is locked" in text or "busy" in text
