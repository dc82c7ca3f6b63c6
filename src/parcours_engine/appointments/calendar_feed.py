"""A counsellor's agenda as an iCalendar feed (RFC 5545) that Outlook and Thunderbird subscribe to.

The feed's address holds a secret token: calendar applications cannot sign in. Only its SHA-256 is
kept, so the address is shown once, when made; making a new one revokes the previous one, and a
revoked (or unknown) token, or the token of an account no longer active, answers "not found". The
feed names the person by last name and initial only, with the kind, place and a link to the
appointment's page (which asks to sign in): what a counsellor's own calendar needs, no more. Each
fetch is in the access log as a list of the appointments it gave.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from icalendar import Calendar, Event
from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.appointments.agenda import AgendaRow, rows_of_counsellor
from parcours_engine.appointments.wording import kind_name
from parcours_engine.domain.appointments import AppointmentStatus
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import NotFound
from parcours_engine.domain.permissions import Action
from parcours_engine.persistence.models import Account
from parcours_engine.persistence.models.appointments import CalendarFeed

TOKEN_BYTES = 32
MAX_TOKEN_LENGTH = 64
PAST, AHEAD = timedelta(days=31), timedelta(days=366)  # what a subscription shows around today


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def active(session: Session, account: Account) -> CalendarFeed | None:
    found: CalendarFeed | None = session.scalar(
        select(CalendarFeed).where(CalendarFeed.account_id == account.id, CalendarFeed.revoked_at.is_(None))
    )
    return found


def issue(session: Session, clock: Clock, account: Account) -> str:
    """A new secret token for the account's own agenda (the previous one stops working); shown once."""
    access.require(account, Action.READ_AGENDA)
    revoke(session, clock, account)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(CalendarFeed(account_id=account.id, token_hash=_digest(token), created_at=clock.now()))
    session.flush()
    return token


def revoke(session: Session, clock: Clock, account: Account) -> bool:
    """Stop the account's feed; whether there was one."""
    access.require(account, Action.READ_AGENDA)
    found = active(session, account)
    if found is None:
        return False
    found.revoked_at = clock.now()
    session.flush()
    return True


def render(session: Session, clock: Clock, token: str, link: Callable[[AgendaRow], str], route: str) -> bytes:
    """The agenda of the token's account as iCalendar text; NotFound for any token that opens nothing."""
    if not token or len(token) > MAX_TOKEN_LENGTH:
        raise NotFound("error.not_found")
    found = session.execute(
        select(CalendarFeed, Account)
        .join(Account, Account.id == CalendarFeed.account_id)
        .where(CalendarFeed.token_hash == _digest(token), CalendarFeed.revoked_at.is_(None))
    ).one_or_none()
    if found is None or not found[1].active:
        raise NotFound("error.not_found")
    account = found[1]
    now = clock.now()
    rows = rows_of_counsellor(session, account.id, now - PAST, now + AHEAD)
    access.log_list(session, clock, account, route, len(rows))
    return _calendar(rows, account, now, link)


def _calendar(
    rows: list[AgendaRow], account: Account, now: datetime, link: Callable[[AgendaRow], str]
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", "-//parcours-engine//agenda//FR")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Rendez-vous · {account.display_name}")
    for row in rows:
        appointment, person = row.appointment, row.person
        event = Event()
        event.add("uid", f"appointment-{appointment.id}@parcours-engine")
        event.add("dtstamp", now)
        event.add("dtstart", appointment.starts_at)
        event.add("dtend", appointment.ends_at)
        event.add("sequence", appointment.revision)
        kind = kind_name(appointment)
        event.add("summary", f"{kind} · {person.last_name.upper()} {person.first_name[:1]}.")
        if appointment.place:
            event.add("location", appointment.place)
        event.add("url", link(row))
        cancelled = appointment.status == AppointmentStatus.CANCELLED
        event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
