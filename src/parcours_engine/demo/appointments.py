"""Demo appointments (issue 17): each referent's week is not empty.

For up to six people of each demo referent's caseload: contact details (example.org addresses, phone
numbers of the range reserved for fiction), the email channel accepted by most, a few appointments of
the past weeks with their attendance (some unexcused absences to call back) and some in the coming
two weeks. Through the same use cases as real use; idempotent (nothing when any appointment exists).
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine.appointments import appointments, contacts
from parcours_engine.domain.appointments import AppointmentKind, Attendance, to_paris
from parcours_engine.domain.clock import Clock, FrozenClock
from parcours_engine.domain.enums import Lane, PathwayStatus
from parcours_engine.domain.errors import ParcoursError
from parcours_engine.persistence.models import Account, Pathway
from parcours_engine.persistence.models.appointments import Appointment

PEOPLE_PER_REFERENT = 6
ROUTE = "demo"
KINDS = (AppointmentKind.SUIVI, AppointmentKind.DIAGNOSTIC, AppointmentKind.SIGNATURE_CONTRAT)


def load_demo_appointments(session: Session, clock: Clock, seed: int = 17) -> str:
    if session.scalar(select(Appointment.id).limit(1)) is not None:
        return "appointments already loaded"
    rng = random.Random(seed)
    referents = session.scalars(
        select(Account).where(Account.team == Lane.REFERENT, Account.active.is_(True)).order_by(Account.id)
    ).all()
    booked = 0
    for referent in referents:
        pathways = session.scalars(
            select(Pathway)
            .where(Pathway.referent_id == referent.id, Pathway.status == PathwayStatus.ACTIVE)
            .order_by(Pathway.id)
            .limit(PEOPLE_PER_REFERENT)
        ).all()
        for index, pathway in enumerate(pathways):
            booked += _one_person(session, clock, referent, pathway, index, rng)
    return f"{booked} appointments"


def _one_person(
    session: Session, clock: Clock, referent: Account, pathway: Pathway, index: int, rng: random.Random
) -> int:
    person_id = pathway.beneficiary_id
    phone = f"01 99 00 {rng.randint(10, 99)} {rng.randint(10, 99)}"  # 0199 00: numbers for fiction (Arcep)
    given = contacts.ContactInput(phone=phone, email=f"personne{person_id}@example.org", city="Moulins")
    contacts.save(session, clock, referent, person_id, given, ROUTE)
    if index % 3 != 2:
        contacts.give_consent(
            session, clock, referent, person_id, "email", to_paris(clock.now()).date(), ROUTE
        )
    today = to_paris(clock.now()).date()
    booked = 0
    past = FrozenClock(clock.now() - timedelta(days=30))
    held = _book(session, past, referent, pathway, _weekday(today - timedelta(days=14)), index)
    if held is not None:
        appointments.record_attendance(
            session, clock, referent, person_id, held.id, _attendance(index), ROUTE
        )
        booked += 1
    if index % 4 != 3:  # the others, absent last time, are to be called back
        day = _weekday(today + timedelta(days=1 + index % 9))
        booked += _book(session, clock, referent, pathway, day, index) is not None
    return booked


def _weekday(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _attendance(index: int) -> str:
    return Attendance.ABSENT_NON_EXCUSE if index % 4 == 3 else Attendance.VENU


def _book(
    session: Session, clock: Clock, referent: Account, pathway: Pathway, day: date, index: int
) -> Appointment | None:
    slot = appointments.Slot(day, time(9 + index % 8, 0), 45)
    booking = appointments.Booking(
        KINDS[index % len(KINDS)], slot, "lieu", "Bureau 2", referent.id, pathway.id
    )
    try:  # refused before anything is written: nothing to undo
        return appointments.book(session, clock, referent, pathway.beneficiary_id, booking, ROUTE)
    except ParcoursError:
        return None  # a slot already taken, or a person that cannot be booked: skip it
