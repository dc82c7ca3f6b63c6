"""Everything held about one person, as one JSON document (their right of access).

Rows are exported column by column (nothing left out by accident when a column is added), plus the
data the person's tasks recorded, read from each pathway's engine state through the runtime. The
attached documents are listed with their hash; the person downloads their contents one by one.
Secrets are left out: the hash of their access code is not "data about them".
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import NotFound
from parcours_engine.pathways import models_cache
from parcours_engine.persistence.models import (
    AccessLog,
    Beneficiary,
    IdentityCorrection,
    Pathway,
    PathwayEvent,
    ReferentAssignment,
    WorkItem,
)
from parcours_engine.persistence.models.appointments import (
    Appointment,
    AppointmentFollowUp,
    ContactConsent,
    ContactDetails,
)
from parcours_engine.persistence.models.passport import (
    CompetenceAssessment,
    Experience,
    Passport,
    PortalAccess,
    ReferenceDocument,
    SharingConsent,
)

_SECRET = {"code_hash", "content"}


def export(session: Session, clock: Clock, beneficiary_id: int) -> dict[str, Any]:
    person = session.get(Beneficiary, beneficiary_id)
    if person is None:
        raise NotFound("person.not_found", id=beneficiary_id)
    pathways = session.scalars(
        select(Pathway).where(Pathway.beneficiary_id == person.id).order_by(Pathway.id)
    ).all()
    ids = [p.id for p in pathways]
    passport = session.scalar(select(Passport).where(Passport.beneficiary_id == person.id))
    return {
        "exported_at": clock.now().isoformat(),
        "person": _row(person),
        "identity_corrections": _rows(
            session, IdentityCorrection, IdentityCorrection.beneficiary_id == person.id
        ),
        "pathways": [_pathway(session, p) for p in pathways],
        "referents": _rows(session, ReferentAssignment, ReferentAssignment.pathway_id.in_(ids)),
        "passport": _passport(session, passport) if passport is not None else None,
        "consents": _rows(session, SharingConsent, SharingConsent.beneficiary_id == person.id),
        "portal_access": _rows(session, PortalAccess, PortalAccess.beneficiary_id == person.id),
        "contact_details": _rows(session, ContactDetails, ContactDetails.beneficiary_id == person.id),
        "contact_consents": _rows(session, ContactConsent, ContactConsent.beneficiary_id == person.id),
        "appointments": _rows(session, Appointment, Appointment.beneficiary_id == person.id),
        "appointment_follow_ups": _rows(
            session, AppointmentFollowUp, AppointmentFollowUp.beneficiary_id == person.id
        ),
        "access_log": _rows(session, AccessLog, AccessLog.beneficiary_id == person.id),
    }


def _pathway(session: Session, pathway: Pathway) -> dict[str, Any]:
    exported = _row(pathway)
    exported["programme_name"] = pathway.process_version.name
    exported["events"] = _rows(session, PathwayEvent, PathwayEvent.pathway_id == pathway.id)
    exported["tasks"] = _rows(session, WorkItem, WorkItem.pathway_id == pathway.id)
    exported["data"] = _data(pathway)
    return exported


def _data(pathway: Pathway) -> dict[str, Any]:
    """What the pathway's tasks recorded: the freshest value of each field of its engine data."""
    state = pathway.state
    if state is None:  # anonymised (pathways.retention): the answers are gone
        return {}
    model = models_cache.model_for(pathway.process_version)
    runtime = models_cache.runtime()
    merged = runtime.recorded_data(runtime.load(model, state.state_json, state.serializer_version))
    return {key: _plain(value) for key, value in sorted(merged.items())}


def _passport(session: Session, passport: Passport) -> dict[str, Any]:
    exported = _row(passport)
    for key, table in (
        ("competences", CompetenceAssessment),
        ("experiences", Experience),
        ("references", ReferenceDocument),
    ):
        exported[key] = _rows(session, table, table.passport_id == passport.id)
    return exported


def _rows(session: Session, table: Any, where: Any) -> list[dict[str, Any]]:
    return [_row(row) for row in session.scalars(select(table).where(where).order_by(table.id))]


def _row(row: Any) -> dict[str, Any]:
    mapper = inspect(type(row))
    return {
        column.key: _plain(getattr(row, column.key))
        for column in mapper.column_attrs
        if column.key not in _SECRET
    }


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)
