"""What a transition leaves behind: the pathway's events, and the flush that reports a lost race.

A lost race with another writer (a stale version counter) becomes ConflictError (HTTP 409). Both
write through SQLAlchemy Core when they can (issue 16): an event is one INSERT on the spot, and the
pathway row one UPDATE of the columns that changed, checked against the version read, instead of
the ORM's unit-of-work flush, which cost about as much as the engine's own step.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import instance_state

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import PathwayStatus
from parcours_engine.domain.errors import ConflictError
from parcours_engine.persistence.models import Pathway, PathwayEvent
from parcours_engine.persistence.uow import lost_race_as_conflict

_PATHWAYS = cast(Table, Pathway.__table__)
_EVENTS = cast(Table, PathwayEvent.__table__)
_INSERT_EVENT = insert(_EVENTS)
# No SET clause: the columns set are the parameters given (those that changed), "b_" ones excepted.
_UPDATE_PATHWAY = update(_PATHWAYS).where(
    _PATHWAYS.c.id == bindparam("b_id"), _PATHWAYS.c.version == bindparam("b_version")
)
# The pathway's column attributes by name (each maps to the column of the same name).
_COLUMNS = frozenset(column.key for column in _PATHWAYS.columns) - {"id", "version"}
_CONFLICT = "pathway.changed_meanwhile"


def flush_or_conflict(session: Session, pathway: Pathway | None = None) -> None:
    """Flush; a lost race with another writer becomes ConflictError (HTTP 409), never a 500.

    Given the pathway a transition changed, its row is written first by `write_pathway`.
    """
    with conflicts_reported():
        if pathway is not None:
            write_pathway(session, pathway)
        session.flush()


def write_pathway(session: Session, pathway: Pathway) -> None:
    """One version-checked UPDATE of a loaded pathway: the columns changed, and the version bumped.

    The version is bumped even when no column changed: a transition always changes the state, and a
    concurrent writer must lose. Zero rows updated means someone else wrote first: ConflictError. A
    pathway with a change the ORM alone can write (a relationship) is left to the flush.
    """
    state = instance_state(pathway)
    changed = state.committed_state.keys()
    if state.key is None or not changed <= _COLUMNS:
        return
    values = state.dict
    read = values["version"]
    old = state.committed_state
    parameters = {name: values[name] for name in changed if old[name] != values[name]}
    parameters |= {"version": read + 1, "b_id": pathway.id, "b_version": read}
    if session.connection().execute(_UPDATE_PATHWAY, parameters).rowcount != 1:
        raise ConflictError(_CONFLICT)
    values["version"] = read + 1
    # What was written is now the committed state (SQLAlchemy's own bookkeeping after a flush): the
    # flush has nothing left to do for this row.
    state._commit_all(values, session.identity_map)


def conflicts_reported() -> AbstractContextManager[None]:
    return lost_race_as_conflict(_CONFLICT)


# An event to record: (kind, element id or None, detail of closed data only).
Entry = tuple[str, str | None, dict[str, Any]]


def log(
    session: Session,
    pathway: Pathway,
    clock: Clock,
    actor: str,
    kind: str,
    element_id: str | None,
    detail: dict[str, Any],
) -> None:
    log_all(session, pathway, clock, actor, [(kind, element_id, detail)])


def log_all(session: Session, pathway: Pathway, clock: Clock, actor: str, entries: Sequence[Entry]) -> None:
    """Record events of one pathway at once: one INSERT however many (the ORM's after a new pathway)."""
    now = clock.now()
    rows = [
        {
            "pathway_id": pathway.id,
            "at": now,
            "actor": actor,
            "kind": kind,
            "element_id": element_id,
            "detail_json": json.dumps(detail, default=_json_default),
        }
        for kind, element_id, detail in entries
    ]
    if pathway.id is None:  # not flushed yet: the ORM writes the events after the pathway
        session.add_all(PathwayEvent(**row) for row in rows)
    elif rows:
        with conflicts_reported():  # a write from a stale SQLite snapshot fails here, not at the flush
            session.connection().execute(_INSERT_EVENT, rows)


def log_event(
    session: Session, pathway: Pathway, clock: Clock, actor: str, kind: str, detail: dict[str, Any]
) -> None:
    """Record something that happened to a pathway (closed data only)."""
    log(session, pathway, clock, actor, kind, None, detail)


def log_if_finished(session: Session, pathway: Pathway, clock: Clock, actor: str) -> None:
    log_all(session, pathway, clock, actor, finished_entries(pathway, clock))


def finished_entries(pathway: Pathway, clock: Clock) -> list[Entry]:
    """The "completed" event when the pathway ended in this transition, to log with its others."""
    if pathway.status == PathwayStatus.COMPLETED and pathway.ended_at == clock.now():
        return [("completed", None, {"outcome": pathway.outcome})]
    return []


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
