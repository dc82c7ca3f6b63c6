"""What a transition leaves behind: the pathway's events, and the flush that reports a lost race.

A lost race with another writer (a stale version counter) becomes ConflictError (HTTP 409).
"""

from __future__ import annotations

import json
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import PathwayStatus
from parcours_engine.persistence.models import Pathway, PathwayEvent
from parcours_engine.persistence.uow import lost_race_as_conflict


def flush_or_conflict(session: Session) -> None:
    """Flush; a lost race with another writer becomes ConflictError (HTTP 409), never a 500."""
    with conflicts_reported():
        session.flush()


def conflicts_reported() -> AbstractContextManager[None]:
    return lost_race_as_conflict("pathway.changed_meanwhile")


def log(
    session: Session,
    pathway: Pathway,
    clock: Clock,
    actor: str,
    kind: str,
    element_id: str | None,
    detail: dict[str, Any],
) -> None:
    session.add(
        PathwayEvent(
            pathway_id=pathway.id,
            at=clock.now(),
            actor=actor,
            kind=kind,
            element_id=element_id,
            detail_json=json.dumps(detail, default=_json_default),
        )
    )


def log_event(
    session: Session, pathway: Pathway, clock: Clock, actor: str, kind: str, detail: dict[str, Any]
) -> None:
    """Record something that happened to a pathway (closed data only)."""
    log(session, pathway, clock, actor, kind, None, detail)


def log_if_finished(session: Session, pathway: Pathway, clock: Clock, actor: str) -> None:
    if pathway.status == PathwayStatus.COMPLETED and pathway.ended_at == clock.now():
        log(session, pathway, clock, actor, "completed", None, {"outcome": pathway.outcome})


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
