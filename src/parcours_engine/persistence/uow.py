"""The one unit of work: the only code that begins, commits and rolls back.

One unit of work = one web request, one API call, one CLI command or one scheduler job run. Web
requests, the API, the CLI and the jobs all go through `UnitOfWork` (the web through `web.app`, the
others through the `unit_of_work` context manager), so each of these holds everywhere:

- **Write units take the write lock up front.** On SQLite a write unit begins with `BEGIN IMMEDIATE`
  and waits (bounded: `PARCOURS_SQLITE_BUSY_MS`, 10 s by default) for the lock; a deferred `BEGIN`
  that reads then writes fails at once with "database is locked" whenever any other writer committed
  in between. Past the wait the unit fails with `Unavailable` (HTTP 503), never a 500.
- **Read units never take the write lock while they work.** What a read must record (the access log
  of a file that was read) is deferred (`defer`) and written when the unit ends, in a short write
  transaction of its own: the page is only sent once its log is committed.
- **A lost race is a conflict.** A stale version counter, a uniqueness race, a serialization failure
  or a deadlock becomes `ConflictError` (HTTP 409, a clear line on the CLI); a database that cannot
  take writes (read-only, disk full, locked past the wait) becomes `Unavailable`.
- **A failed transition leaves the pathway as it was and is still recorded.** The unit rolls back,
  then writes the incident a `TransitionFailed` carries in a transaction of its own.

Services receive the session and never commit; views and commands never touch its transaction.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from parcours_engine.domain.errors import ConflictError, ParcoursError, TransitionFailed, Unavailable
from parcours_engine.persistence.db import write_lock_at_begin, writer_gate
from parcours_engine.persistence.models import Incident

log = logging.getLogger(__name__)

_DEFERRED = "parcours.deferred"


def defer(session: Session, row: Any, key: object = None) -> None:
    """Add `row` when the unit of work ends (before its commit): for rows a read must leave behind.

    A read unit writes them in a short write transaction after its reads; a write unit adds them to
    its own. Rows deferred under the same `key` are written once (the first one).
    """
    pending: dict[object, Any] = session.info.setdefault(_DEFERRED, {})
    pending.setdefault(key if key is not None else object(), row)


def deferred(session: Session) -> list[Any]:
    """The rows waiting for the end of the unit (tests and services may look, never write them)."""
    return list(session.info.get(_DEFERRED, {}).values())


def as_domain_error(exc: BaseException) -> ParcoursError | None:
    """A database error a person can act on (a conflict, a busy or full database), else None."""
    if isinstance(exc, ParcoursError):
        return exc
    if isinstance(exc, StaleDataError | IntegrityError):
        return ConflictError()
    if isinstance(exc, DBAPIError):
        text = str(getattr(exc, "orig", exc)).lower()
        state = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
        if state in ("40001", "40P01"):  # serialization failure, deadlock: someone else won
            return ConflictError()
        if isinstance(exc, OperationalError) and ("locked" in text or "busy" in text):
            return Unavailable()
        if "readonly" in text or "read-only" in text or "disk" in text or state.startswith("53"):
            return Unavailable()
    return None


class UnitOfWork:
    """One transaction from first use to `commit` or `abort`; `write` says whether it may write."""

    def __init__(self, factory: sessionmaker[Session], *, write: bool = True) -> None:
        self.factory = factory
        self.write = write
        self._session: Session | None = None
        self._writer: threading.Lock | None = None  # this process's SQLite writer turn, while held
        self.incident_id: int | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            self._session = self.factory()
            if self.write:
                self._begin_write(self._session)
        return self._session

    @property
    def started(self) -> bool:
        return self._session is not None

    def commit(self) -> None:
        """Commit once; a lost race or a busy database rolls back and raises a domain error."""
        session = self._session
        if session is None:
            return
        rows = list(session.info.pop(_DEFERRED, {}).values())
        try:
            if rows and not self.write and not (session.new or session.dirty or session.deleted):
                session.commit()  # end the read snapshot: the deferred rows go in a write of their own
                self._begin_write(session)
            session.add_all(rows)
            session.commit()
        except BaseException as exc:
            session.rollback()
            self._release()
            mapped = as_domain_error(exc)
            if mapped is not None and mapped is not exc:
                # Its type and SQLSTATE only: the database's message may quote a row's values.
                state = getattr(getattr(exc, "orig", None), "sqlstate", None) or "-"
                log.warning(
                    "unit of work lost a race or found the database busy: %s (%s)", type(exc).__name__, state
                )
                raise mapped from exc
            raise
        self._release()

    def abort(self, error: BaseException | None = None) -> None:
        """Roll back everything; a failed transition's incident is then recorded on its own."""
        if self._session is not None:
            self._session.info.pop(_DEFERRED, None)
            self._session.rollback()
        self._release()
        if isinstance(error, TransitionFailed) and error.incident is not None and error.incident_id is None:
            try:
                error.incident_id = record_incident(self.factory, error.incident)
            except Exception as exc:  # the database is gone too: the log keeps what happened
                log.error("could not record the incident of a failed transition: %s", type(exc).__name__)
            self.incident_id = error.incident_id

    def restart(self) -> Session:
        """Roll everything back and go on in a fresh transaction of the same session (to show what is
        stored after a refused write: a lost race leaves the old transaction unusable on PostgreSQL).
        The objects already loaded (the signed-in account) stay attached and read again."""
        self.abort()
        session = self.session
        if self.write:
            self._begin_write(session)
        return session

    def close(self) -> None:
        if self._session is not None:
            self._session.rollback()  # a no-op after a commit; undoes an unfinished unit
            self._session.close()
            self._session = None
        self._release()

    def _begin_write(self, session: Session) -> None:
        # The writers of this process queue on a lock of their own before asking SQLite: a writer
        # waiting in SQLite's busy handler sleeps in growing steps (up to 100 ms) instead of waking
        # when the lock frees, which made the tail of concurrent requests long. Other processes still
        # meet at SQLite's lock.
        found = writer_gate(session.get_bind())
        if found is not None and self._writer is None:
            gate, wait = found
            if not gate.acquire(timeout=wait):
                raise Unavailable() from OperationalError(
                    "BEGIN IMMEDIATE", {}, Exception("database is locked")
                )
            self._writer = gate
        try:
            with write_lock_at_begin():
                session.connection()  # BEGIN IMMEDIATE on SQLite: wait for the lock now, not mid-way
        except OperationalError as exc:
            session.rollback()
            self._release()
            raise Unavailable() from exc

    def _release(self) -> None:
        if self._writer is not None:
            self._writer.release()
            self._writer = None


@contextmanager
def unit_of_work(factory: sessionmaker[Session], *, write: bool = True) -> Iterator[Session]:
    """Run one unit of work: commit once on success, roll back everything on error.

    Database errors come out as domain errors (`ConflictError`, `Unavailable`); a `TransitionFailed`
    comes out with its `incident_id` set once the incident is recorded.
    """
    unit = UnitOfWork(factory, write=write)
    try:
        yield unit.session
        unit.commit()
    except BaseException as exc:
        unit.abort(exc)
        mapped = as_domain_error(exc)
        if mapped is not None and mapped is not exc:
            raise mapped from exc
        raise
    finally:
        unit.close()


@contextmanager
def lost_race_as_conflict(code: str = "error.conflict") -> Iterator[None]:
    """Turn a lost optimistic-concurrency race at flush into `ConflictError(code)`.

    A stale version counter raises StaleDataError; SQLite refuses a write from a stale read snapshot
    at once with "database is locked". Both mean: someone else wrote first.
    """
    try:
        yield
    except StaleDataError as exc:
        raise ConflictError(code) from exc
    except OperationalError as exc:
        if "locked" in str(exc.orig) or "busy" in str(exc.orig):
            raise ConflictError(code) from exc
        raise


def record_incident(factory: sessionmaker[Session], draft: dict[str, Any]) -> int:
    """Write the incident of a rolled-back transition in its own transaction."""
    unit = UnitOfWork(factory, write=True)
    try:
        session = unit.session
        incident_id = _write_incident(session, draft)
        unit.commit()
        return incident_id
    finally:
        unit.close()


def _write_incident(session: Session, draft: dict[str, Any]) -> int:
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
