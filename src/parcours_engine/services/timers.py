"""Find and fire due timers through the indexed `pathway.next_timer_due` column.

Never loads every pathway: the due ones come from an index range scan. On PostgreSQL each due pathway
is claimed with `FOR UPDATE SKIP LOCKED`, so several scheduler processes fire each timer exactly once;
SQLite has one writer at a time and needs no claim.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.persistence.models import Pathway
from parcours_engine.services import pathways


def due_pathway_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    """Ids of active pathways whose earliest timer is due, oldest first (no claim)."""
    query = (
        select(Pathway.id)
        .where(Pathway.next_timer_due <= now, Pathway.status == "active")
        .order_by(Pathway.next_timer_due)
        .limit(limit)
    )
    return list(session.scalars(query))


def claim_next_due(session: Session, now: datetime) -> int | None:
    """Lock one due pathway for this transaction (skipping ones other schedulers hold)."""
    query = (
        select(Pathway.id)
        .where(Pathway.next_timer_due <= now, Pathway.status == "active")
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
    pathways.fire_timers(session, clock, pathway_id)
    return pathway_id
