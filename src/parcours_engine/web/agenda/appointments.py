"""A person's appointments: the list and the booking form, one appointment's page (move, cancel,
record attendance)."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from parcours_engine import access
from parcours_engine.appointments import agenda, appointments, letter, reminders
from parcours_engine.domain import appointments as rules
from parcours_engine.domain.enums import PathwayStatus
from parcours_engine.domain.errors import ConflictError, InvalidInput, ParcoursError
from parcours_engine.domain.permissions import Action
from parcours_engine.pathways import worklist
from parcours_engine.persistence.models import Beneficiary
from parcours_engine.studio import versions
from parcours_engine.web.agenda import bp, forms, route_name
from parcours_engine.web.app import clock, db_session, fresh_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.downloads import private_file
from parcours_engine.web.errors import field_messages, text


@bp.get("/personnes/<int:person_id>/rendez-vous")
def person_appointments(person_id: int) -> str:
    rows = agenda.of_person(db_session(), clock(), current_account(), person_id, route_name())
    values = {"pathway_id": request.args.get("parcours", ""), "day": request.args.get("jour", "")}
    values["at"] = request.args.get("heure", "")
    values["kind"] = request.args.get("type", "")  # a task asking for an appointment of that kind
    return _list_page(person_id, rows, values)


def _list_page(
    person_id: int,
    rows: list[agenda.AgendaRow],
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    refusal: str | None = None,
) -> str:
    session, account = db_session(), current_account()
    person = session.get(Beneficiary, person_id)
    assert person is not None
    active = [
        row.pathway
        for row in worklist.pathways_of(session, account, person_id)
        if row.pathway.status == PathwayStatus.ACTIVE
    ]
    return render_template(
        "agenda/person_appointments.html",
        person=person,
        rows=rows,
        may_book=access.may_person(session, account, person_id, Action.BOOK_APPOINTMENT),
        counsellors=appointments.bookable_names(session, person),
        pathways=active,
        programmes=versions.catalogue(session),
        values=values or {},
        errors=errors or {},
        refusal=refusal,
        me=account.id,
        today=rules.to_paris(clock().now()).date(),
        durations=rules.DURATIONS,
        kinds=list(rules.AppointmentKind),
        modes=list(rules.AppointmentMode),
    )


@bp.post("/personnes/<int:person_id>/rendez-vous")
def book(person_id: int) -> Any:
    values = {key: request.form.get(key, "") for key in request.form if key != "csrf_token"}
    try:
        given, form_errors = forms.booking(request.form)
        booked = appointments.book(
            db_session(), clock(), current_account(), person_id, given, route_name(), form_errors
        )
    except (InvalidInput, ConflictError) as error:
        rows = agenda.of_person(fresh_session(), clock(), current_account(), person_id, route_name())
        return _refused_page(
            error, lambda errors, refusal: _list_page(person_id, rows, values, errors, refusal)
        )
    return redirect(url_for("agenda.appointment", person_id=person_id, appointment_id=booked.id), code=303)


@bp.get("/personnes/<int:person_id>/rendez-vous/<int:appointment_id>")
def appointment(person_id: int, appointment_id: int) -> str:
    row = agenda.one(db_session(), clock(), current_account(), person_id, appointment_id, route_name())
    return _detail_page(row)


def _detail_page(
    row: agenda.AgendaRow,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    refusal: str | None = None,
) -> str:
    session, account = db_session(), current_account()
    now = clock().now()
    return render_template(
        "agenda/appointment.html",
        row=row,
        person=row.person,
        may_book=access.may_person(session, account, row.person.id, Action.BOOK_APPOINTMENT),
        started=row.appointment.starts_at <= now,
        messages=reminders.messages_of(session, row.appointment.id),
        today=rules.to_paris(now).date(),
        values=values or {},
        errors=errors or {},
        refusal=refusal,
        durations=rules.DURATIONS,
        reasons=list(rules.CancelReason),
        attendances=list(rules.Attendance),
    )


def _change(person_id: int, appointment_id: int, change: Any) -> Any:
    """Run `change`; on a refusal show the appointment again with what was typed and why."""
    values = {key: request.form.get(key, "") for key in request.form if key != "csrf_token"}
    try:
        change(db_session(), clock(), current_account())
    except (InvalidInput, ConflictError) as error:
        row = agenda.one(fresh_session(), clock(), current_account(), person_id, appointment_id, route_name())
        return _refused_page(error, lambda errors, refusal: _detail_page(row, values, errors, refusal))
    return redirect(
        url_for("agenda.appointment", person_id=person_id, appointment_id=appointment_id), code=303
    )


def _refused_page(error: ParcoursError, page: Any) -> tuple[str, int]:
    if isinstance(error, InvalidInput):
        return page(field_messages(error.field_errors), text(error.code, error.params)), 400
    return page({}, text(error.code, error.params)), 409


@bp.post("/personnes/<int:person_id>/rendez-vous/<int:appointment_id>/deplacer")
def move(person_id: int, appointment_id: int) -> Response:
    def moved(session: Any, now: Any, account: Any) -> None:
        when = forms.slot(request.form)
        appointments.move(session, now, account, person_id, appointment_id, when, route_name())

    return _change(person_id, appointment_id, moved)


@bp.post("/personnes/<int:person_id>/rendez-vous/<int:appointment_id>/annuler")
def cancel(person_id: int, appointment_id: int) -> Response:
    reason = request.form.get("reason", "")

    def cancelled(session: Any, now: Any, account: Any) -> None:
        appointments.cancel(session, now, account, person_id, appointment_id, reason, route_name())

    return _change(person_id, appointment_id, cancelled)


@bp.post("/personnes/<int:person_id>/rendez-vous/<int:appointment_id>/presence")
def attendance(person_id: int, appointment_id: int) -> Response:
    found = request.form.get("attendance", "")

    def recorded(session: Any, now: Any, account: Any) -> None:
        appointments.record_attendance(session, now, account, person_id, appointment_id, found, route_name())

    return _change(person_id, appointment_id, recorded)


@bp.get("/personnes/<int:person_id>/rendez-vous/<int:appointment_id>/convocation.pdf")
def letter_pdf(person_id: int, appointment_id: int) -> Response:
    """The printable convocation, for a person who accepted no reminder channel."""
    body, name = letter.render(
        db_session(), clock(), current_account(), person_id, appointment_id, route_name()
    )
    return private_file(body, "application/pdf", name)
