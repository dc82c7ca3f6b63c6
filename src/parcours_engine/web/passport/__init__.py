"""The referents' side of the passport: read it, open it, update competences after a period in a
company, add experiences and references, record consents, print the person's access card.

Views parse and call one service; the rights (caseload, partners' consent) and the access log live in
passport.consent / passport.passport / passport.portal. Every page needs a signed-in account.
"""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from flask import Blueprint, Response, make_response, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from parcours_engine import access
from parcours_engine.domain.dates import parse_date
from parcours_engine.domain.permissions import Action
from parcours_engine.passport import consent, passport, portal, references
from parcours_engine.passport import pdf as passport_pdf
from parcours_engine.passport.referential import referential
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.downloads import private_file
from parcours_engine.web.params import required_whole_number, whole_number
from parcours_engine.web.permissions import gate

bp = Blueprint("passport", __name__, url_prefix="/personnes/<int:person_id>")


@bp.before_request
@login_required
def _signed_in_only() -> None:
    """Every page needs a signed-in account, and the route's action (web.permissions)."""
    gate()


def _route() -> str:
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    return f"{request.method} {rule}"


def _back(person_id: int) -> BaseResponse:
    return redirect(url_for("passport.page", person_id=person_id), code=303)


@bp.get("/passeport")
def page(person_id: int) -> str:
    session = db_session()
    account = current_account()
    view = passport.read(session, clock(), account, person_id, _route())
    return render_template(
        "passport/page.html",
        view=view,
        ref=referential(),
        staff_view=True,
        consents=consent.listing(session, person_id),
        structures=consent.structures(session),
        access_row=portal.status(session, person_id),
        today=clock().now().date(),
        can_manage=access.may_person(session, account, person_id, Action.RECORD_CONSENT),
        # A partner reads the passport of a person shared with it, not their file: no link to a 403.
        may_read_file=access.may_person(session, account, person_id, Action.READ_PERSON),
    )


@bp.get("/passeport.pdf")
def pdf(person_id: int) -> Response:
    view = passport.read(db_session(), clock(), current_account(), person_id, _route())
    body = passport_pdf.render(view, clock().now())
    return private_file(body, "application/pdf", f"passeport_emploi_{view.person.identifier}.pdf")


@bp.get("/passeport/references/<int:reference_id>")
def reference(person_id: int, reference_id: int) -> Response:
    session = db_session()
    passport.read(session, clock(), current_account(), person_id, _route())
    document = references.reference_document(session, person_id, reference_id)
    return private_file(document.content, document.media_type, references.download_name(document))


@bp.post("/passeport/ouvrir")
def open_passport(person_id: int) -> BaseResponse:
    passport.open_passport(db_session(), clock(), current_account(), person_id, _route())
    return _back(person_id)


@bp.post("/passeport/competences")
def competences(person_id: int) -> BaseResponse:
    levels = {
        item.code: request.form[f"level_{item.code}"]
        for item in referential().competences
        if request.form.get(f"level_{item.code}")
    }
    passport.update_competences(
        db_session(),
        clock(),
        current_account(),
        person_id,
        levels,
        _date(request.form.get("assessed_on"), "assessed_on"),
        whole_number(request.form, "experience_id"),
        _route(),
    )
    return _back(person_id)


@bp.post("/passeport/experiences")
def experiences(person_id: int) -> BaseResponse:
    form = request.form
    ended = form.get("ended_on") or None
    given = passport.ExperienceInput(
        company=form.get("company", ""),
        sector=form.get("sector", ""),
        kind=form.get("kind", ""),
        started_on=_date(form.get("started_on"), "started_on"),
        ended_on=_date(ended, "ended_on") if ended else None,
        rome_code=(form.get("rome_code") or "").strip().upper() or None,
        reference_obtained=form.get("reference_obtained") or None,
    )
    passport.add_experience(db_session(), clock(), current_account(), person_id, given, _route())
    return _back(person_id)


@bp.post("/passeport/references")
def add_reference(person_id: int) -> BaseResponse:
    upload = request.files.get("file")
    content = upload.stream.read(references.MAX_DOCUMENT_BYTES + 1) if upload is not None else b""
    references.attach_reference(
        db_session(),
        clock(),
        current_account(),
        person_id,
        request.form.get("kind", ""),
        _date(request.form.get("issued_on"), "issued_on"),
        content,
        _route(),
        whole_number(request.form, "experience_id"),
    )
    return _back(person_id)


@bp.post("/passeport/consentements")
def give_consent(person_id: int) -> BaseResponse:
    structure = required_whole_number(request.form, "structure_id")  # bounded: no integer overflow
    consent.give(
        db_session(),
        clock(),
        current_account(),
        person_id,
        structure,
        _date(request.form.get("given_on"), "given_on"),
        _route(),
    )
    return _back(person_id)


@bp.post("/passeport/consentements/<int:consent_id>/retrait")
def withdraw_consent(person_id: int, consent_id: int) -> BaseResponse:
    consent.withdraw(db_session(), clock(), current_account(), person_id, consent_id, _route())
    return _back(person_id)


@bp.post("/carte-acces")
def access_card(person_id: int) -> Any:
    """A new access code, shown once on a printable card (the previous code stops working)."""
    session = db_session()
    account = current_account()
    code = portal.issue_code(session, clock(), account, person_id, _route())
    person = passport.view(session, person_id).person
    body = render_template(
        "passport/card.html",
        person=person,
        code=portal.display_code(code),
        portal_url=url_for("portal.sign_in", _external=True),
        referent=account.display_name,
    )
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"  # the code must not stay in a cache
    return response


def _date(raw: str | None, field: str) -> date:
    """A required date of the form (domain.dates: ISO or French; the use case checks its bounds)."""
    return cast(date, parse_date(raw, field))  # required: never None (parse_date raises instead)
