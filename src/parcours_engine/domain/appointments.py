"""Appointments and contact details as the rules read them: closed lists, bounds, the agenda's time zone.

Pure Python. An appointment's time is typed and shown in Europe/Paris and stored in UTC; a day or a
week of the agenda is a range of Paris days turned into UTC bounds here, so a week across the change
to summer time is still seven days. Two appointments of one counsellor that overlap are refused,
except the people of one collective workshop (same kind, same start, same end).
"""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")


class AppointmentKind(StrEnum):
    PREMIER_ACCUEIL = "premier_accueil"
    DIAGNOSTIC = "diagnostic"
    SUIVI = "suivi"
    SIGNATURE_CONTRAT = "signature_contrat"
    COMMISSION = "commission"
    ATELIER_COLLECTIF = "atelier_collectif"


class AppointmentMode(StrEnum):
    LIEU = "lieu"  # at an address (the place says where)
    TELEPHONE = "telephone"
    VISIO = "visio"


class AppointmentStatus(StrEnum):
    PLANNED = "planned"
    CANCELLED = "cancelled"
    HELD = "held"  # its attendance is recorded


class Attendance(StrEnum):
    VENU = "venu"
    EXCUSE = "excuse"
    ABSENT_NON_EXCUSE = "absent_non_excuse"


class CancelReason(StrEnum):
    DEMANDE_PERSONNE = "demande_personne"
    INDISPONIBILITE_CONSEILLER = "indisponibilite_conseiller"
    ERREUR_SAISIE = "erreur_saisie"
    SORTIE_PARCOURS = "sortie_parcours"
    AUTRE = "autre"


class Channel(StrEnum):
    """The ways a person accepts to be reminded of an appointment (each with a recorded consent)."""

    EMAIL = "email"
    SMS = "sms"


class MessageKind(StrEnum):
    CONVOCATION = "convocation"  # when booked or moved
    RAPPEL = "rappel"  # D-n (the days are in the row: rappel_j3, rappel_j1)


DURATIONS = (15, 30, 45, 60, 90, 120, 180)  # minutes: what the booking form offers
MIN_DURATION, MAX_DURATION = 5, 8 * 60
DAY_STARTS, DAY_ENDS = time(7, 0), time(21, 0)  # an appointment lies within these Paris hours
BOOKABLE_AHEAD = timedelta(days=366)
REMINDER_DAYS = (3, 1)  # D-3 and D-1 unless PARCOURS_REMINDER_DAYS says otherwise
PLACE_LENGTH = 200


def paris_to_utc(day: date, at: time) -> datetime:
    """A Paris wall-clock time as an aware UTC datetime (an hour skipped in spring is moved forward)."""
    local = datetime.combine(day, at, tzinfo=PARIS)
    return local.astimezone(UTC)


def to_paris(moment: datetime) -> datetime:
    return moment.astimezone(PARIS)


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants where a Paris day starts and where the next one starts."""
    return paris_to_utc(day, time(0, 0)), paris_to_utc(day + timedelta(days=1), time(0, 0))


def week_of(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def overlaps(start: datetime, end: datetime, other_start: datetime, other_end: datetime) -> bool:
    """Whether [start, end) and [other_start, other_end) share an instant."""
    return start < other_end and other_start < end


def same_workshop(kind: str, start: datetime, end: datetime, other: tuple[str, datetime, datetime]) -> bool:
    """Two bookings of one collective workshop (several people at once): not a conflict."""
    return kind == AppointmentKind.ATELIER_COLLECTIF and other == (kind, start, end)


def reminder_days(raw: str | None) -> tuple[int, ...]:
    """The reminder days a deployment sets (`"3,1"`: D-3 and D-1); 1 to 14 days, at most 3 of them."""
    if raw is None or not raw.strip():
        return REMINDER_DAYS
    days = sorted({int(part) for part in raw.split(",") if part.strip().isdigit()}, reverse=True)
    kept = tuple(day for day in days if 1 <= day <= 14)[:3]
    return kept or REMINDER_DAYS


def message_kind(days: int | None) -> str:
    """The code of a message: the convocation, or the reminder `days` before (`rappel_j3`)."""
    return MessageKind.CONVOCATION if days is None else f"{MessageKind.RAPPEL}_j{days}"


SLOTS_OPEN, SLOTS_CLOSE = time(9, 0), time(17, 0)  # the free slots the agenda offers (Paris hours)
MIN_FREE_MINUTES = 30


def free_slots(
    day: date, busy: list[tuple[datetime, datetime]], not_before: datetime | None = None
) -> list[tuple[datetime, datetime]]:
    """The gaps of at least MIN_FREE_MINUTES between a Paris day's office hours and its busy times
    (from `not_before` on, rounded up to the quarter hour: today's past hours are not free)."""
    cursor, closes = paris_to_utc(day, SLOTS_OPEN), paris_to_utc(day, SLOTS_CLOSE)
    if not_before is not None and not_before > cursor:
        quarter = 15 * 60
        cursor = datetime.fromtimestamp(math.ceil(not_before.timestamp() / quarter) * quarter, UTC)
    found = []
    for start, end in sorted(busy):
        if start - cursor >= timedelta(minutes=MIN_FREE_MINUTES) and cursor < closes:
            found.append((cursor, min(start, closes)))
        cursor = max(cursor, end)
    if closes - cursor >= timedelta(minutes=MIN_FREE_MINUTES):
        found.append((cursor, closes))
    return [(start, end) for start, end in found if end - start >= timedelta(minutes=MIN_FREE_MINUTES)]


class FollowUpOutcome(StrEnum):
    """How a "Relancer la personne" follow-up ended (a closed list: no free text about the person)."""

    JOINT = "joint"  # reached
    MESSAGE_LAISSE = "message_laisse"
    INJOIGNABLE = "injoignable"
    NOUVEAU_RDV_PRIS = "nouveau_rdv_pris"


FOLLOW_UP_WORKING_DAYS = 3  # a follow-up is due this many working days (Monday to Friday) after the miss


def add_working_days(day: date, count: int) -> date:
    """`count` working days (Monday to Friday) after `day`."""
    found = day
    while count > 0:
        found += timedelta(days=1)
        if found.weekday() < 5:
            count -= 1
    return found


def follow_up_due(missed_at: datetime) -> datetime:
    """The end (23:59 Paris) of the third working day after the missed appointment's day, in UTC."""
    day = add_working_days(to_paris(missed_at).date(), FOLLOW_UP_WORKING_DAYS)
    return paris_to_utc(day, time(23, 59))


def in_a_row_missed(attendances: list[str | None]) -> int:
    """How many unexcused absences open a list of attendances, newest first."""
    return next(
        (i for i, found in enumerate(attendances) if found != Attendance.ABSENT_NON_EXCUSE), len(attendances)
    )
