"""The counsellor's agenda: the week and the day, with the free slots; reception picks a colleague's."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from flask import Response, make_response, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from parcours_engine.appointments import agenda, calendar_feed, figures
from parcours_engine.domain import appointments as rules
from parcours_engine.domain.dates import read_date
from parcours_engine.studio import versions
from parcours_engine.web.agenda import bp, route_name
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.params import whole_number

WEEK_DAYS = 7
WORKING_DAYS = 5  # Saturday and Sunday are shown only when they hold an appointment


@dataclass
class Day:
    day: date
    rows: list[agenda.AgendaRow] = field(default_factory=list)
    free: list[tuple[datetime, datetime]] = field(default_factory=list)


@bp.get("/agenda")
def week() -> str:
    return _agenda(WEEK_DAYS)


@bp.get("/agenda/jour")
def day() -> str:
    return _agenda(1)


def _agenda(days: int) -> str:
    session, account = db_session(), current_account()
    today = rules.to_paris(clock().now()).date()
    chosen = read_date(request.args.get("date", "")) or today
    first = rules.week_of(chosen) if days == WEEK_DAYS else chosen
    counsellor_id = whole_number(request.args, "conseiller") or account.id
    rows = agenda.agenda(session, clock(), account, counsellor_id, first, days, route_name())
    shown = [Day(first + timedelta(days=offset)) for offset in range(days)]
    for row in rows:
        shown[(rules.to_paris(row.appointment.starts_at).date() - first).days].rows.append(row)
    for found in shown:
        busy = [
            (row.appointment.starts_at, row.appointment.ends_at)
            for row in found.rows
            if row.appointment.status == rules.AppointmentStatus.PLANNED
        ]
        if found.day >= today:
            found.free = rules.free_slots(found.day, busy, clock().now())
    if days == WEEK_DAYS:
        shown = [d for i, d in enumerate(shown) if i < WORKING_DAYS or d.rows]
    counsellors = agenda.agenda_counsellors(session, account)
    follow_ups = agenda.to_follow_up(session, counsellor_id)  # the agenda's check passed above
    return render_template(
        "agenda/agenda.html",
        days=shown,
        first=first,
        span=days,
        today=today,
        step=timedelta(days=days),
        counsellor_id=counsellor_id,
        counsellors=counsellors,
        follow_ups=follow_ups,
        counsellor_name=next((c.display_name for c in counsellors if c.id == counsellor_id), ""),
    )


@bp.get("/agenda/flux/<token>.ics")
def feed(token: str) -> Response:
    """The iCalendar feed its secret token opens (no sign-in: calendar applications subscribe to it)."""

    def link(row: agenda.AgendaRow) -> str:
        return url_for(
            "agenda.appointment", person_id=row.person.id, appointment_id=row.appointment.id, _external=True
        )

    body = calendar_feed.render(db_session(), clock(), token, link, "GET /agenda/flux/<token>.ics")
    response = make_response(body)
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="agenda.ics"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/agenda/flux")
def new_feed() -> str:
    """A new subscription address, shown once on this page (the previous one stops working)."""
    session, account = db_session(), current_account()
    token = calendar_feed.issue(session, clock(), account)
    address = url_for("agenda.feed", token=token, _external=True)
    response = render_template(
        "agenda/feed.html", address=address, feed=calendar_feed.active(session, account)
    )
    return response


@bp.get("/agenda/flux")
def feed_settings() -> str:
    session, account = db_session(), current_account()
    return render_template("agenda/feed.html", address=None, feed=calendar_feed.active(session, account))


@bp.post("/agenda/flux/revocation")
def revoke_feed() -> BaseResponse:
    calendar_feed.revoke(db_session(), clock(), current_account())
    return redirect(url_for("agenda.feed_settings"), code=303)


@bp.get("/supervision/presences")
def attendance_figures() -> str:
    """Appointments honoured per programme and per referent, and the days to a first meeting: counts
    only, for the reader's structure (READ_FIGURES)."""
    today = rules.to_paris(clock().now()).date()
    last = read_date(request.args.get("au", "")) or today
    first = read_date(request.args.get("du", "")) or last.replace(month=1, day=1)
    found = figures.attendance(db_session(), current_account(), min(first, last), max(first, last))
    return render_template(
        "agenda/attendance.html", figures=found, programmes=versions.catalogue(db_session())
    )
