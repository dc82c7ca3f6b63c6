"""Appointments: book, move, cancel with a reason, record attendance; a person's list; an agenda.

A counsellor (or reception, or an admin) books with a person they may book for (BOOK_APPOINTMENT):
a kind, a Paris date and time within office hours, a duration, a place or the phone or a video link,
and the counsellor, an active referent of the person's structure (the booker by default). An
appointment that overlaps another planned one of the same counsellor is refused (the people of one
collective workshop apart); the counsellor's row is locked first, so two bookings racing for one slot
on PostgreSQL are serialized and the second is refused, as SQLite's single writer does by itself.
Moving an appointment bumps its revision: a new convocation and new reminders are due for it. Every
change of a person's appointments is in the access log. Reading them (a person's list, an agenda) is
`agenda.py`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.appointments import follow_ups
from parcours_engine.domain import appointments as rules
from parcours_engine.domain.appointments import (
    AppointmentKind,
    AppointmentMode,
    AppointmentStatus,
    Attendance,
    CancelReason,
)
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import PathwayStatus
from parcours_engine.domain.errors import (
    ConflictError,
    FieldError,
    FieldErrors,
    InvalidInput,
    NotFound,
)
from parcours_engine.domain.permissions import Action
from parcours_engine.pathways import appointment_tasks, referents
from parcours_engine.persistence.models import Account, Beneficiary, Pathway
from parcours_engine.persistence.models.appointments import Appointment

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Slot:
    """When and how long: a Paris date and time, in minutes."""

    day: date
    at: time
    duration_minutes: int


@dataclass(frozen=True)
class Booking:
    kind: str
    slot: Slot | None  # None: the form's date, time or duration could not be read (its errors apart)
    mode: str
    place: str | None = None
    counsellor_id: int | None = None  # None: the booker
    pathway_id: int | None = None


def bookable_counsellors(session: Session, person: Beneficiary) -> list[Account]:
    """Who may hold an appointment with the person: the active referents of the person's structure."""
    return referents.referent_accounts(session, person.structure_id)


def bookable_names(session: Session, person: Beneficiary) -> list[referents.Named]:
    """`bookable_counsellors` as (id, display_name), for the booking form: no account loaded."""
    return referents.referent_names(session, person.structure_id)


def book(
    session: Session,
    clock: Clock,
    account: Account,
    person_id: int,
    given: Booking,
    route: str,
    form_errors: FieldErrors | None = None,
) -> Appointment:
    """Book; every wrong field at once (with `form_errors`, those of the fields a form could not read)."""
    person = access.beneficiary_for(session, clock, account, person_id, Action.BOOK_APPOINTMENT, route)
    errors: FieldErrors = dict(form_errors or {})
    if given.kind not in set(AppointmentKind):
        errors["kind"] = [FieldError("field.choice")]
    place = _place(given.mode, given.place, errors)
    counsellor = _counsellor(session, person, given.counsellor_id or account.id, errors)
    pathway = _pathway(session, person, given.pathway_id, errors)
    start, end = _times(clock, given.slot, errors) if given.slot is not None else (None, None)
    if errors:
        raise InvalidInput(field_errors=errors)
    assert counsellor is not None and start is not None and end is not None and given.slot is not None
    _refuse_conflicts(session, counsellor, given.kind, start, end, None)
    now = clock.now()
    appointment = Appointment(
        beneficiary_id=person.id,
        pathway_id=pathway.id if pathway else None,
        structure_id=pathway.structure_id if pathway else (person.structure_id or counsellor.structure_id),
        counsellor_id=counsellor.id,
        kind=given.kind,
        mode=given.mode,
        place=place,
        starts_at=start,
        ends_at=end,
        duration_minutes=given.slot.duration_minutes,
        status=AppointmentStatus.PLANNED,
        revision=1,
        created_at=now,
        created_by=account.username,
        updated_at=now,
        updated_by=account.username,
    )
    session.add(appointment)
    session.flush()
    appointment_tasks.on_planning_changed(session, clock, appointment)
    return appointment


def move(
    session: Session,
    clock: Clock,
    account: Account,
    person_id: int,
    appointment_id: int,
    slot: Slot,
    route: str,
) -> Appointment:
    """Another date, time or duration: a new convocation and new reminders are due (a new revision)."""
    appointment = _planned(session, clock, account, person_id, appointment_id, route)
    errors: FieldErrors = {}
    start, end = _times(clock, slot, errors)
    if errors:
        raise InvalidInput(field_errors=errors)
    assert start is not None and end is not None
    counsellor = session.get(Account, appointment.counsellor_id)
    assert counsellor is not None
    _refuse_conflicts(session, counsellor, appointment.kind, start, end, appointment.id)
    appointment.starts_at, appointment.ends_at = start, end
    appointment.duration_minutes = slot.duration_minutes
    appointment.revision += 1
    _touched(appointment, clock, account)
    session.flush()
    appointment_tasks.on_planning_changed(session, clock, appointment)
    return appointment


def cancel(
    session: Session,
    clock: Clock,
    account: Account,
    person_id: int,
    appointment_id: int,
    reason: str,
    route: str,
) -> Appointment:
    """Cancelled for a reason of the closed list: no reminder is sent for it any more."""
    appointment = _planned(session, clock, account, person_id, appointment_id, route)
    if reason not in set(CancelReason):
        raise InvalidInput(field_errors={"reason": [FieldError("field.choice")]})
    appointment.status, appointment.cancel_reason = AppointmentStatus.CANCELLED, reason
    _touched(appointment, clock, account)
    session.flush()
    appointment_tasks.on_planning_changed(session, clock, appointment)
    return appointment


def record_attendance(
    session: Session,
    clock: Clock,
    account: Account,
    person_id: int,
    appointment_id: int,
    attendance: str,
    route: str,
) -> Appointment:
    """Venu, excusé or absent non excusé, once the appointment has started; a pathway's task asking
    for this appointment completes on venu (pathways.appointment_tasks)."""
    appointment = _planned(session, clock, account, person_id, appointment_id, route)
    if attendance not in set(Attendance):
        raise InvalidInput(field_errors={"attendance": [FieldError("field.choice")]})
    if appointment.starts_at > clock.now():
        raise ConflictError("appointment.not_yet")
    appointment.status, appointment.attendance = AppointmentStatus.HELD, attendance
    _touched(appointment, clock, account)
    session.flush()
    # The pathway's appointment task, the follow-up of an absence: in this same unit of work.
    appointment_tasks.on_attendance(session, clock, appointment, account.username)
    follow_ups.on_attendance(session, clock, appointment)
    return appointment


# -- checks ---------------------------------------------------------------------------------------


def _planned(
    session: Session, clock: Clock, account: Account, person_id: int, appointment_id: int, route: str
) -> Appointment:
    person = access.beneficiary_for(session, clock, account, person_id, Action.BOOK_APPOINTMENT, route)
    appointment = session.get(Appointment, appointment_id)
    if appointment is None or appointment.beneficiary_id != person.id:
        raise NotFound("appointment.not_found", id=appointment_id)
    if appointment.status != AppointmentStatus.PLANNED:
        raise ConflictError("appointment.not_planned")
    return appointment


def _place(mode: str, place: str | None, errors: FieldErrors) -> str | None:
    if mode not in set(AppointmentMode):
        errors["mode"] = [FieldError("field.choice")]
        return None
    value = (place or "").strip()
    if len(value) > rules.PLACE_LENGTH:
        errors["place"] = [FieldError("field.too_long", limit=rules.PLACE_LENGTH)]
    elif _CONTROL.search(value):
        errors["place"] = [FieldError("field.invalid")]
    elif mode == AppointmentMode.LIEU and not value:
        errors["place"] = [FieldError("appointment.place_required")]
    return value or None


def _counsellor(
    session: Session, person: Beneficiary, counsellor_id: int, errors: FieldErrors
) -> Account | None:
    allowed = {found.id: found for found in bookable_counsellors(session, person)}
    if counsellor_id not in allowed:
        errors["counsellor_id"] = [FieldError("appointment.counsellor")]
        return None
    return allowed[counsellor_id]


def _pathway(
    session: Session, person: Beneficiary, pathway_id: int | None, errors: FieldErrors
) -> Pathway | None:
    if pathway_id is None:
        return None
    pathway = session.get(Pathway, pathway_id)
    if pathway is None or pathway.beneficiary_id != person.id or pathway.status != PathwayStatus.ACTIVE:
        errors["pathway_id"] = [FieldError("field.choice")]
        return None
    return pathway


def _times(clock: Clock, slot: Slot, errors: FieldErrors) -> tuple[datetime | None, datetime | None]:
    if not rules.MIN_DURATION <= slot.duration_minutes <= rules.MAX_DURATION:
        low, high = rules.MIN_DURATION, rules.MAX_DURATION
        errors["duration_minutes"] = [FieldError("field.between", low=low, high=high)]
        return None, None
    today = rules.to_paris(clock.now()).date()
    if not today - timedelta(days=1) <= slot.day <= today + rules.BOOKABLE_AHEAD:  # before any arithmetic
        errors["day"] = [FieldError("appointment.in_the_past" if slot.day < today else "appointment.too_far")]
        return None, None
    start = rules.paris_to_utc(slot.day, slot.at)
    end = start + timedelta(minutes=slot.duration_minutes)
    local_start, local_end = rules.to_paris(start), rules.to_paris(end)
    now = clock.now()
    if start <= now:
        errors["day"] = [FieldError("appointment.in_the_past")]
    elif start > now + rules.BOOKABLE_AHEAD:
        errors["day"] = [FieldError("appointment.too_far")]
    elif (
        local_start.time() < rules.DAY_STARTS
        or local_end.date() != local_start.date()
        or local_end.time() > rules.DAY_ENDS
    ):
        opens, closes = rules.DAY_STARTS.strftime("%H:%M"), rules.DAY_ENDS.strftime("%H:%M")
        errors["at"] = [FieldError("appointment.outside_hours", opens=opens, closes=closes)]
    return start, end


def _refuse_conflicts(
    session: Session, counsellor: Account, kind: str, start: datetime, end: datetime, moving: int | None
) -> None:
    """Refuse an overlap with another planned appointment of the counsellor (after locking their row:
    concurrent bookings for one counsellor wait for each other on PostgreSQL)."""
    session.execute(select(Account.id).where(Account.id == counsellor.id).with_for_update())
    query = select(Appointment).where(
        Appointment.counsellor_id == counsellor.id,
        Appointment.status == AppointmentStatus.PLANNED,
        Appointment.starts_at < end,
        Appointment.ends_at > start,
    )
    if moving is not None:
        query = query.where(Appointment.id != moving)
    for other in session.scalars(query.order_by(Appointment.starts_at)):
        if rules.same_workshop(kind, start, end, (other.kind, other.starts_at, other.ends_at)):
            continue
        raise ConflictError(
            "appointment.conflict",
            counsellor=counsellor.display_name,
            start=rules.to_paris(other.starts_at).strftime("%d/%m/%Y %H:%M"),
            end=rules.to_paris(other.ends_at).strftime("%H:%M"),
        )


def _touched(appointment: Appointment, clock: Clock, account: Account) -> None:
    appointment.updated_at, appointment.updated_by = clock.now(), account.username
