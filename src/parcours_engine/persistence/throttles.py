"""Counters of failed attempts (`throttle` rows), in the database so that a lock holds across processes.

A counter is one row per scope and key (a username, an address...). `counter` creates it once whoever
comes first (INSERT ... ON CONFLICT DO NOTHING), then reads it FOR UPDATE, so that two concurrent
attempts never both read the same count (SQLite's write unit already holds the database lock). The
policies (how many failures, how long a lock) belong to the callers: accounts (sign-in, API tokens)
and passport.portal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from parcours_engine.persistence.models import Throttle


@dataclass(frozen=True)
class Policy:
    """`failures` within `window` of each other lock the key for `lock`."""

    scope: str
    failures: int
    lock: timedelta
    window: timedelta


def counter(session: Session, scope: str, key: str) -> Throttle:
    """The counter of `key` in `scope`, locked until the unit of work ends."""
    key = key[:120]
    values = {"scope": scope, "key": key, "failures": 0}
    if session.get_bind().dialect.name == "postgresql":
        session.execute(pg_insert(Throttle).values(**values).on_conflict_do_nothing())
    else:
        session.execute(sqlite_insert(Throttle).values(**values).on_conflict_do_nothing())
    query = select(Throttle).where(Throttle.scope == scope, Throttle.key == key)
    found = session.scalar(query.with_for_update().execution_options(populate_existing=True))
    assert found is not None  # inserted above if it was missing
    return found


def locked_until(session: Session, scope: str, key: str, now: datetime) -> datetime | None:
    """When the lock of `key` ends, None when it is not locked (a plain read: for read units)."""
    until = session.scalar(
        select(Throttle.locked_until).where(Throttle.scope == scope, Throttle.key == key[:120])
    )
    return until if until is not None and until > now else None


def is_locked(row: Throttle, now: datetime) -> bool:
    return row.locked_until is not None and row.locked_until > now


def note_failure(row: Throttle, policy: Policy, now: datetime) -> None:
    """Count one failure; the policy's number of them within its window locks the key."""
    stale = row.last_failure_at is not None and row.last_failure_at <= now - policy.window
    expired = row.locked_until is not None and row.locked_until <= now
    if stale or expired:
        row.failures, row.locked_until = 0, None  # a fresh start
    row.failures += 1
    row.last_failure_at = now
    if row.failures >= policy.failures:
        row.locked_until = now + policy.lock


def clear(session: Session, scope: str, key: str) -> None:
    """Forget the failures of `key` (a right password, a new one given by an admin)."""
    session.execute(delete(Throttle).where(Throttle.scope == scope, Throttle.key == key[:120]))
