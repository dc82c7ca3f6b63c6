"""Reading appointments: a person's list and one of them (READ_APPOINTMENTS, logged as reads of the
person's file), a counsellor's agenda (one's own, or for reception its structure's counsellors':
READ_AGENDA, logged as one list row) and whose agenda one may open, and the people a counsellor
should call back after an unexcused absence. Booking and changing them is `appointments.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import exists, select
from sqlalchemy.orm import Session, aliased

from parcours_engine import access
from parcours_engine.domain import appointments as rules
from parcours_engine.domain.appointments import (
    AppointmentStatus,
    Attendance,
)
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import (
    Forbidden,
    NotFound,
)
from parcours_engine.domain.permissions import Action, Scope
from parcours_engine.pathways import referents
from parcours_engine.persistence.models import Account, Beneficiary
from parcours_engine.persistence.models.appointments import Appointment


@dataclass(frozen=True)
class AgendaRow:
    appointment: Appointment
    person: Beneficiary
    counsellor_name: str


def of_person(
    session: Session, clock: Clock, account: Account, person_id: int, route: str
) -> list[AgendaRow]:
    """The person's appointments, newest first (logged as a read of their file)."""
    access.beneficiary_for(session, clock, account, person_id, Action.READ_APPOINTMENTS, route)
    return _rows(session, Appointment.beneficiary_id == person_id, newest_first=True)


def one(
    session: Session, clock: Clock, account: Account, person_id: int, appointment_id: int, route: str
) -> AgendaRow:
    access.beneficiary_for(session, clock, account, person_id, Action.READ_APPOINTMENTS, route)
    found = _rows(session, Appointment.id == appointment_id, newest_first=True)
    if not found or found[0].person.id != person_id:
        raise NotFound("appointment.not_found", id=appointment_id)
    return found[0]


def agenda(
    session: Session,
    clock: Clock,
    account: Account,
    counsellor_id: int,
    first_day: date,
    days: int,
    route: str,
) -> list[AgendaRow]:
    """A counsellor's appointments over `days` Paris days from `first_day`, cancelled ones included.

    One's own agenda (SELF), or for reception any counsellor's of its structure (STRUCTURE): the
    team's agenda. Logged as one list, with the number of appointments shown.
    """
    found = access.require(account, Action.READ_AGENDA)
    if counsellor_id != account.id:
        other = session.get(Account, counsellor_id)
        if other is None:
            raise NotFound("error.not_found")
        if (
            Scope.STRUCTURE not in found
            or not account.structure_id
            or other.structure_id != account.structure_id
        ):
            raise Forbidden("access.not_for_your_role")
    start, _ = rules.day_bounds(first_day)
    _, end = rules.day_bounds(first_day + timedelta(days=days - 1))
    rows = rows_of_counsellor(session, counsellor_id, start, end)
    access.log_list(session, clock, account, route, len(rows))
    return rows


def rows_of_counsellor(
    session: Session, counsellor_id: int, start: datetime, end: datetime
) -> list[AgendaRow]:
    """A counsellor's appointments starting in [start, end), unchecked (the caller checked who asks)."""
    return _rows(
        session,
        (Appointment.counsellor_id == counsellor_id)
        & (Appointment.starts_at >= start)
        & (Appointment.starts_at < end),
    )


@dataclass(frozen=True)
class FollowUp:
    """A person to call back: their last appointment with the counsellor was missed without excuse
    and nothing is booked since; `in_a_row` unexcused absences in a row (two or more: flagged)."""

    person: Beneficiary
    missed: Appointment
    in_a_row: int


def to_follow_up(session: Session, counsellor_id: int) -> list[FollowUp]:
    """The people whose latest appointment with the counsellor was an unexcused absence, oldest first."""
    later = aliased(Appointment)
    booked_since = exists().where(
        later.beneficiary_id == Appointment.beneficiary_id,
        later.starts_at > Appointment.starts_at,
        later.status != AppointmentStatus.CANCELLED,
    )
    missed = session.execute(
        select(Appointment, Beneficiary)
        .join(Beneficiary, Beneficiary.id == Appointment.beneficiary_id)
        .where(
            Appointment.counsellor_id == counsellor_id,
            Appointment.attendance == Attendance.ABSENT_NON_EXCUSE,
            ~booked_since,
        )
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    if not missed:
        return []
    history: dict[int, list[str | None]] = {}
    for person_id, attendance in session.execute(
        select(Appointment.beneficiary_id, Appointment.attendance)
        .where(
            Appointment.beneficiary_id.in_([person.id for _, person in missed]),
            Appointment.status == AppointmentStatus.HELD,
        )
        .order_by(Appointment.starts_at.desc(), Appointment.id.desc())
    ):
        history.setdefault(person_id, []).append(attendance)
    found = []
    for appointment, person in missed:
        held = history.get(person.id, [])
        in_a_row = next((i for i, a in enumerate(held) if a != Attendance.ABSENT_NON_EXCUSE), len(held))
        found.append(FollowUp(person, appointment, max(in_a_row, 1)))
    return found


def agenda_counsellors(session: Session, account: Account) -> list[referents.Named]:
    """Whose agenda `account` may open: its own, and for reception its structure's counsellors (their
    ids and names, for the agenda's choice: no account loaded)."""
    if Scope.STRUCTURE in access.scopes_of(account, Action.READ_AGENDA) and account.structure_id:
        return referents.referent_names(session, account.structure_id)
    return [referents.Named(account.id, account.display_name)]


def _rows(session: Session, where: object, newest_first: bool = False) -> list[AgendaRow]:
    order = Appointment.starts_at.desc() if newest_first else Appointment.starts_at
    query = (
        select(Appointment, Beneficiary, Account.display_name)
        .join(Beneficiary, Beneficiary.id == Appointment.beneficiary_id)
        .join(Account, Account.id == Appointment.counsellor_id)
        .where(where)  # type: ignore[arg-type]
        .order_by(order, Appointment.id)
    )
    return [AgendaRow(a, b, name) for a, b, name in session.execute(query)]
