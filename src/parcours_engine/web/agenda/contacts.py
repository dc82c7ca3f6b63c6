"""A person's contact details and the reminder channels they accept."""

from __future__ import annotations

from typing import Any, cast

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from parcours_engine.appointments import contacts
from parcours_engine.domain.appointments import Channel
from parcours_engine.domain.dates import parse_date
from parcours_engine.domain.errors import ConflictError, InvalidInput
from parcours_engine.persistence.models import Beneficiary
from parcours_engine.web.agenda import bp, route_name
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.errors import field_messages, text


@bp.get("/personnes/<int:person_id>/coordonnees")
def contact(person_id: int) -> str:
    found = contacts.read(db_session(), clock(), current_account(), person_id, route_name())
    return _page(person_id, found)


def _page(
    person_id: int,
    found: contacts.ContactView,
    values: dict[str, str] | None = None,
    errors: dict[str, list[str]] | None = None,
    refusal: str | None = None,
) -> str:
    details = found.details
    current = {name: (getattr(details, name) or "") if details else "" for name in contacts.LIMITS}
    current["phone"] = contacts.display_phone(details.phone if details else None)
    return render_template(
        "agenda/contact.html",
        person=db_session().get(Beneficiary, person_id),
        contact=found,
        shown=values or current,
        errors=errors or {},
        refusal=refusal,
        channels=list(Channel),
        today=clock().now().date(),
        limits=contacts.LIMITS,
    )


@bp.post("/personnes/<int:person_id>/coordonnees")
def save_contact(person_id: int) -> Any:
    values = {name: request.form.get(name, "") for name in contacts.LIMITS}
    session, account = db_session(), current_account()
    try:
        contacts.save(session, clock(), account, person_id, contacts.ContactInput(**values), route_name())
    except InvalidInput as error:
        found = contacts.read(session, clock(), account, person_id, route_name())
        return _page(person_id, found, values, field_messages(error.field_errors)), 400
    return _back(person_id)


@bp.post("/personnes/<int:person_id>/coordonnees/consentements")
def give_contact_consent(person_id: int) -> Any:
    session, account = db_session(), current_account()
    try:
        given_on = cast(Any, parse_date(request.form.get("given_on"), "given_on"))
        contacts.give_consent(
            session, clock(), account, person_id, request.form.get("channel", ""), given_on, route_name()
        )
    except InvalidInput as error:
        found = contacts.read(session, clock(), account, person_id, route_name())
        return _page(person_id, found, errors=field_messages(error.field_errors)), 400
    except ConflictError as error:
        found = contacts.read(session, clock(), account, person_id, route_name())
        return _page(person_id, found, refusal=text(error.code, error.params)), 409
    return _back(person_id)


@bp.post("/personnes/<int:person_id>/coordonnees/consentements/<int:contact_consent_id>/retrait")
def withdraw_contact_consent(person_id: int, contact_consent_id: int) -> Response:
    contacts.withdraw_consent(
        db_session(), clock(), current_account(), person_id, contact_consent_id, route_name()
    )
    return _back(person_id)


def _back(person_id: int) -> Response:
    return redirect(url_for("agenda.contact", person_id=person_id), code=303)
