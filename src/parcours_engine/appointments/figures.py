"""Attendance figures for supervisors (issue 17): counts only, no person named.

Over a period of Paris days, for the reader's structure (an admin: every structure, or one): the
appointments held per programme and per referent, how many the person came to, was excused from or
missed without excuse, and the share honoured (came / attendance recorded); and, for the pathways
started in the period, the days from the start to the first appointment the person came to (median),
the figure RSA services are judged on. Who may read them: READ_FIGURES.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from statistics import median
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.appointments import AppointmentStatus, Attendance, day_bounds
from parcours_engine.domain.permissions import Action
from parcours_engine.persistence.models import Account, Pathway
from parcours_engine.persistence.models.appointments import Appointment

NO_PROGRAMME = ""  # appointments booked for no pathway


@dataclass(frozen=True)
class AttendanceRow:
    label: str
    came: int
    excused: int
    missed: int

    @property
    def recorded(self) -> int:
        return self.came + self.excused + self.missed

    @property
    def honoured(self) -> float | None:
        """The share of appointments the person came to, of those whose attendance is recorded."""
        return None if not self.recorded else self.came / self.recorded


@dataclass(frozen=True)
class AttendanceFigures:
    first: date
    last: date
    by_programme: list[AttendanceRow]
    by_referent: list[AttendanceRow]
    days_to_first_meeting: float | None  # median, over the pathways started in the period
    pathways_met: int  # of those, how many had a first appointment the person came to
    # per programme: (median days, pathways met), the programmes with at least one such pathway
    first_meeting_by_programme: dict[str, tuple[float, int]]


def attendance(
    session: Session, account: Account, first: date, last: date, structure_id: int | None = None
) -> AttendanceFigures:
    access.require(account, Action.READ_FIGURES)
    structure = access.structure_scope(account, structure_id)
    start, _ = day_bounds(first)
    _, end = day_bounds(last)
    held = [
        Appointment.status == AppointmentStatus.HELD,
        Appointment.starts_at >= start,
        Appointment.starts_at < end,
    ]
    if structure is not None:
        held.append(Appointment.structure_id == structure)
    programme = func.coalesce(Pathway.programme, NO_PROGRAMME)
    by_programme = session.execute(
        select(programme, Appointment.attendance, func.count(Appointment.id))
        .outerjoin(Pathway, Pathway.id == Appointment.pathway_id)
        .where(*held)
        .group_by(programme, Appointment.attendance)
    ).all()
    by_referent = session.execute(
        select(Account.display_name, Appointment.attendance, func.count(Appointment.id))
        .join(Account, Account.id == Appointment.counsellor_id)
        .where(*held)
        .group_by(Account.display_name, Appointment.attendance)
    ).all()
    found = _days_to_first_meeting(session, start, end, structure)
    delays = [days for _, days in found]
    per_programme: dict[str, list[float]] = {}
    for code, days in found:
        per_programme.setdefault(code, []).append(days)
    return AttendanceFigures(
        first,
        last,
        _rows(by_programme),
        _rows(by_referent),
        median(delays) if delays else None,
        len(delays),
        {code: (median(days), len(days)) for code, days in sorted(per_programme.items())},
    )


def _rows(counts: Iterable[Any]) -> list[AttendanceRow]:
    found: dict[str, dict[str | None, int]] = {}
    for label, attendance_code, count in counts:
        found.setdefault(label, {})[attendance_code] = count
    return [
        AttendanceRow(
            label,
            by.get(Attendance.VENU, 0),
            by.get(Attendance.EXCUSE, 0),
            by.get(Attendance.ABSENT_NON_EXCUSE, 0),
        )
        for label, by in sorted(found.items())
    ]


def _days_to_first_meeting(
    session: Session, start: datetime, end: datetime, structure: int | None
) -> list[tuple[str, float]]:
    """Each pathway started in the period that had an attended appointment: programme, days."""
    first_met = (
        select(Appointment.pathway_id, func.min(Appointment.starts_at).label("met_at"))
        .where(Appointment.attendance == Attendance.VENU, Appointment.pathway_id.is_not(None))
        .group_by(Appointment.pathway_id)
        .subquery()
    )
    query = (
        select(Pathway.programme, Pathway.started_at, first_met.c.met_at)
        .join(first_met, first_met.c.pathway_id == Pathway.id)
        .where(Pathway.started_at >= start, Pathway.started_at < end)
    )
    if structure is not None:
        query = query.where(Pathway.structure_id == structure)
    return [
        (programme, max((_aware(met_at) - started_at).total_seconds(), 0) / 86400)
        for programme, started_at, met_at in session.execute(query)
    ]


def _aware(moment: Any) -> datetime:
    """min() over a UTC column may come back as the database gives it: naive (or text) on SQLite."""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
