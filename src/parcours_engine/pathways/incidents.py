"""Incidents: transitions that failed and were rolled back, for a person to see and retry."""

from __future__ import annotations

import json

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import ConflictError, NotFound
from parcours_engine.pathways import pathways
from parcours_engine.persistence.models import Incident


def open_incidents(session: Session, pathway_id: int | None = None) -> list[Incident]:
    query = select(Incident).where(Incident.resolved_at.is_(None)).order_by(Incident.created_at)
    if pathway_id is not None:
        query = query.where(Incident.pathway_id == pathway_id)
    return list(session.scalars(query))


def retry(session: Session, clock: Clock, incident_id: int, actor: str) -> Incident:
    """Replay the failed operation (after the model or data was fixed); resolve the incident on success.

    If it fails again, the unit of work rolls back and bumps the incident's attempt count.
    """
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise NotFound("incident.not_found", id=incident_id)
    if incident.resolved_at is not None:
        raise ConflictError("incident.already_resolved", id=incident_id, by=incident.resolved_by)
    data = json.loads(incident.operation_json)
    if incident.operation == "complete_task":
        pathways.complete_work_item(
            session,
            clock,
            data["work_item_id"],
            data["data"],
            actor,
            retry_of=incident.id,
            by_appointment=bool(data.get("by_appointment")),
        )
    elif incident.operation == "fire_timers":
        pathways.fire_timers(session, clock, incident.pathway_id, retry_of=incident.id)
    else:
        raise ConflictError("incident.cannot_retry", id=incident_id, operation=incident.operation)
    incident.resolved_at = clock.now()
    incident.resolved_by = actor
    return incident
