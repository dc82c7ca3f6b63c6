"""Find and fire due timers through the indexed `pathway.next_timer_due` column.

Never loads every pathway: the due ones come from an index range scan. On PostgreSQL each due pathway
is claimed with `FOR UPDATE SKIP LOCKED`, so several scheduler processes fire each timer exactly once;
SQLite has one writer at a time and needs no claim.

A firing that fails is rolled back and recorded as an incident (persistence.uow.unit_of_work); then
`after_failed_firing` pushes the pathway's `next_timer_due` by 5, 15, then 60 minutes
(domain.supervision.TIMER_RETRY_DELAYS), each retry counting on the same incident; after the fourth
failure the column is cleared, so the scheduler stops trying, and the open incident is what a person
sees and retries. A retry that succeeds resolves the incident.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from parcours_engine.domain import supervision as rules
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import PathwayStatus
from parcours_engine.domain.errors import NotFound
from parcours_engine.pathways import pathways
from parcours_engine.persistence.models import Incident, Pathway

# "Due" is strictly before now, as SpiffWorkflow decides (a timer fires once its time has passed): a
# pathway claimed at the very instant its timer falls due would fire nothing and be claimed again.


def due_pathway_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Ids of active pathways whose earliest timer is due, oldest first (no claim)."""
    query = (
        select(Pathway.id)
        .where(Pathway.next_timer_due < now, Pathway.status == PathwayStatus.ACTIVE)
        .order_by(Pathway.next_timer_due)
        .limit(limit)
    )
    return list(session.scalars(query))


def claim_next_due(session: Session, now: datetime) -> int | None:
    """Lock one due pathway for this transaction (skipping ones other schedulers hold)."""
    query = (
        select(Pathway.id)
        .where(Pathway.next_timer_due < now, Pathway.status == PathwayStatus.ACTIVE)
        .order_by(Pathway.next_timer_due)
        .limit(1)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return session.scalar(query)


def fire_one_due(session: Session, clock: Clock) -> int | None:
    """Claim one due pathway and fire its timers; its id, or None when nothing is due.

    Call it in its own unit of work, once per pathway, so that one failing model does not hold
    back the others and each firing commits (or becomes an incident) on its own.
    """
    pathway_id = claim_next_due(session, clock.now())
    if pathway_id is None:
        return None
    failing = session.scalar(
        select(Incident)
        .where(
            Incident.pathway_id == pathway_id,
            Incident.operation == "fire_timers",
            Incident.resolved_at.is_(None),
        )
        .order_by(Incident.id)
        .limit(1)
    )
    pathways.fire_timers(session, clock, pathway_id, retry_of=failing.id if failing else None)
    if failing is not None:
        failing.resolved_at, failing.resolved_by = clock.now(), "scheduler"
    return pathway_id


def after_failed_firing(session: Session, clock: Clock, incident_id: int) -> datetime | None:
    """Schedule the next attempt of a failed firing (or give up); when it will be tried, if ever."""
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("incident.not_found", id=incident_id)
    delay = rules.retry_delay(incident.attempts)
    next_try = clock.now() + delay if delay is not None else None
    # A plain UPDATE: the pathway's version counter is for people's edits, not for this bookkeeping.
    session.execute(
        update(Pathway)
        .where(Pathway.id == incident.pathway_id, Pathway.status == PathwayStatus.ACTIVE)
        .values(next_timer_due=next_try)
        .execution_options(synchronize_session=False)
    )
    return next_try
