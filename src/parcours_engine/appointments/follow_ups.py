"""The "Relancer la personne" follow-up: the referent's follow-up of an unexcused absence (issue 17).

Recording an unexcused absence makes one follow-up for the referent (the pathway's, else the
appointment's counsellor), in the same unit of work as the attendance and once per appointment (a
unique constraint). It sits in the referent's inbox (*Mes tâches*) beside the model's tasks, due three
working days after the missed appointment, and is done with an outcome of a closed list, never free
text. Only that referent opens it and records its outcome (FOLLOW_UP, scope SELF); each read and
change is in the access log as a read or change of the person's file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.appointments import (
    AppointmentStatus,
    Attendance,
    FollowUpOutcome,
    follow_up_due,
    in_a_row_missed,
)
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import ConflictError, FieldError, Forbidden, InvalidInput, NotFound
from parcours_engine.domain.permissions import Action
from parcours_engine.persistence.models import Account, Beneficiary, Pathway
from parcours_engine.persistence.models.appointments import Appointment, AppointmentFollowUp


@dataclass(frozen=True)
class FollowUpRow:
    follow_up: AppointmentFollowUp
    person: Beneficiary
    missed_at: datetime
    kind: str
    overdue: bool


def on_attendance(session: Session, clock: Clock, appointment: Appointment) -> AppointmentFollowUp | None:
    """An unexcused absence: the referent's follow-up (once per appointment); else nothing."""
    if appointment.attendance != Attendance.ABSENT_NON_EXCUSE:
        return None
    existing = session.scalar(
        select(AppointmentFollowUp).where(AppointmentFollowUp.appointment_id == appointment.id)
    )
    if existing is not None:
        return existing
    pathway = session.get(Pathway, appointment.pathway_id) if appointment.pathway_id else None
    referent = (pathway.referent_id if pathway is not None else None) or appointment.counsellor_id
    follow_up = AppointmentFollowUp(
        beneficiary_id=appointment.beneficiary_id,
        pathway_id=appointment.pathway_id,
        appointment_id=appointment.id,
        referent_id=referent,
        created_at=clock.now(),
        due_at=follow_up_due(appointment.starts_at),
    )
    session.add(follow_up)
    session.flush()
    return follow_up


def open_for(session: Session, clock: Clock, account: Account) -> list[FollowUpRow]:
    """The account's follow-ups still to do, the earliest due first (none without FOLLOW_UP)."""
    if not access.scopes_of(account, Action.FOLLOW_UP):
        return []
    query = (
        select(AppointmentFollowUp, Beneficiary, Appointment.starts_at, Appointment.kind)
        .join(Beneficiary, Beneficiary.id == AppointmentFollowUp.beneficiary_id)
        .join(Appointment, Appointment.id == AppointmentFollowUp.appointment_id)
        .where(
            AppointmentFollowUp.referent_id == account.id,
            AppointmentFollowUp.done_at.is_(None),
            access.not_erased(),
        )
        .order_by(AppointmentFollowUp.due_at, AppointmentFollowUp.id)
    )
    now = clock.now()
    return [
        FollowUpRow(follow_up, person, missed_at, kind, follow_up.due_at < now)
        for follow_up, person, missed_at, kind in session.execute(query)
    ]


def listed(session: Session, clock: Clock, account: Account, route: str) -> list[FollowUpRow]:
    """The account's follow-ups to do, for the API: FOLLOW_UP required, logged as one list."""
    access.require(account, Action.FOLLOW_UP)
    rows = open_for(session, clock, account)
    access.log_list(session, clock, account, route, len(rows))
    return rows


def one(session: Session, clock: Clock, account: Account, follow_up_id: int, route: str) -> FollowUpRow:
    """A follow-up of the account's (logged as a read of the person's file)."""
    row = _mine(session, account, follow_up_id)
    access.log(session, clock, account, row.person.id, row.follow_up.pathway_id, access.READ, route)
    return row


def done(
    session: Session, clock: Clock, account: Account, follow_up_id: int, outcome: str, route: str
) -> AppointmentFollowUp:
    """Record how the follow-up ended (an outcome of the closed list); once only."""
    row = _mine(session, account, follow_up_id)
    if outcome not in set(FollowUpOutcome):
        raise InvalidInput(field_errors={"outcome": [FieldError("field.choice")]})
    follow_up = row.follow_up
    if follow_up.done_at is not None:
        raise ConflictError("follow_up.already_done")
    follow_up.done_at, follow_up.done_by, follow_up.outcome = clock.now(), account.username, outcome
    access.log(session, clock, account, row.person.id, follow_up.pathway_id, access.CHANGE, route)
    session.flush()
    return follow_up


def _mine(session: Session, account: Account, follow_up_id: int) -> FollowUpRow:
    access.require(account, Action.FOLLOW_UP)
    found = session.execute(
        select(AppointmentFollowUp, Beneficiary, Appointment.starts_at, Appointment.kind)
        .join(Beneficiary, Beneficiary.id == AppointmentFollowUp.beneficiary_id)
        .join(Appointment, Appointment.id == AppointmentFollowUp.appointment_id)
        .where(AppointmentFollowUp.id == follow_up_id)
    ).one_or_none()
    if found is None:
        raise NotFound("follow_up.not_found", id=follow_up_id)
    follow_up, person, missed_at, kind = found
    if follow_up.referent_id != account.id:
        raise Forbidden("access.not_your_caseload")
    return FollowUpRow(follow_up, person, missed_at, kind, False)


RSA_PROGRAMMES = frozenset({"rsa_accompagnement"})  # where the département's procedure is shown


def missed_in_a_row(session: Session, pathway_id: int) -> list[datetime]:
    """When the pathway's latest held appointments were missed without excuse, newest first, if two
    or more in a row (the pathway page flags them); else an empty list. Unchecked: the caller may
    read the person's appointments."""
    held = session.execute(
        select(Appointment.starts_at, Appointment.attendance)
        .where(Appointment.pathway_id == pathway_id, Appointment.status == AppointmentStatus.HELD)
        .order_by(Appointment.starts_at.desc(), Appointment.id.desc())
        .limit(50)
    ).all()
    count = in_a_row_missed([attendance for _, attendance in held])
    return [starts_at for starts_at, _ in held[:count]] if count >= 2 else []
