"""People followed: search, register, their page with all their pathways, start a pathway."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response

from parcours_engine import access
from parcours_engine.accounts import access_review
from parcours_engine.domain.dates import date_error, read_date
from parcours_engine.domain.errors import ConflictError, FieldError, FieldErrors, InvalidInput
from parcours_engine.domain.paging import paging_from
from parcours_engine.domain.permissions import Action, may_be_referent
from parcours_engine.passport import staff_export
from parcours_engine.pathways import beneficiaries, erasure, pathways, rectification, worklist
from parcours_engine.persistence.models import Beneficiary
from parcours_engine.studio import versions
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.counsellors import bp, route_name
from parcours_engine.web.downloads import private_file, private_json
from parcours_engine.web.errors import field_message, field_messages, text

FIELDS = ("last_name", "first_name", "birth_date", "sex", "qualification_level", "departement", "territory")


@bp.get("/personnes")
def people() -> Any:
    """Search by name, birth date or identifier, sorted and paged on the server; each row opens what
    the searcher may read (the file, or a partner's passport of a person shared with it)."""
    criteria = {key: (request.args.get(key) or "").strip() for key in ("nom", "naissance", "identifiant")}
    account = current_account()
    access.require(account, Action.SEARCH_PEOPLE)
    problem = date_error(criteria["naissance"], required=False)
    if problem is not None:  # a typed date that is no date: say so rather than search without it
        errors = {"naissance": [field_message(problem)]}
        return render_template("counsellors/people.html", page=None, criteria=criteria, errors=errors), 400
    born = read_date(criteria["naissance"])
    found = None
    if criteria["nom"] or born is not None or criteria["identifiant"]:  # never a bare list of everyone
        found = worklist.search_page(
            db_session(),
            clock(),
            account,
            paging_from(request.args, worklist.PEOPLE_SORTS, "nom"),
            route=route_name(),
            name=criteria["nom"],
            birth_date=born,
            identifier=criteria["identifiant"],
        )
    return render_template("counsellors/people.html", page=found, criteria=criteria, errors={})


@bp.route("/personnes/nouvelle", methods=["GET", "POST"])
def new_person() -> Any:
    account = current_account()
    access.require(account, Action.REGISTER_PERSON)
    if request.method == "GET":
        return render_template(
            "counsellors/person_new.html", values={}, errors={}, levels=beneficiaries.QUALIFICATION_LEVELS
        )
    values = {key: request.form.get(key, "").strip() for key in FIELDS}
    session = db_session()
    confirmed = request.form.get("confirm_duplicate") == "true"
    try:
        fields = _person_fields(values)
        person = beneficiaries.register(
            session, clock(), account, route_name(), confirm_duplicate=confirmed, **fields
        )
    except beneficiaries.DuplicateSuspected as suspected:  # the confirm step: theirs, or create anyway
        body = render_template(
            "counsellors/person_new.html",
            values=values,
            errors={},
            levels=beneficiaries.QUALIFICATION_LEVELS,
            duplicates=suspected.duplicates,
        )
        return body, 409
    except InvalidInput as error:
        body = render_template(
            "counsellors/person_new.html",
            values=values,
            errors=field_messages(error.field_errors),
            levels=beneficiaries.QUALIFICATION_LEVELS,
        )
        return body, 400
    return redirect(url_for("counsellors.person", person_id=person.id), code=303)


def _person_fields(values: dict[str, str]) -> dict[str, Any]:
    errors: FieldErrors = {}
    if (problem := date_error(values["birth_date"])) is not None:
        errors["birth_date"] = [problem]
    for key in ("last_name", "first_name", "sex"):
        if not values[key]:
            errors[key] = [FieldError("field.required")]
    if errors:
        raise InvalidInput(field_errors=errors)
    return {
        "last_name": values["last_name"],
        "first_name": values["first_name"],
        "birth_date": read_date(values["birth_date"]),
        "sex": values["sex"],
        "qualification_level": values["qualification_level"] or None,
        "departement": values["departement"] or None,
        "territory": values["territory"] or None,
        "ase": request.form.get("ase") == "true",
        "mna": request.form.get("mna") == "true",
        "priority_district": request.form.get("priority_district") == "true",
    }


@bp.get("/personnes/<int:person_id>")
def person(person_id: int) -> str:
    session = db_session()
    account = current_account()
    found = access.beneficiary_for(session, clock(), account, person_id, Action.READ_PERSON, route_name())
    return _person_page(found)


def _person_page(found: Beneficiary, values: dict[str, str] | None = None, errors: Any = None) -> str:
    session, account = db_session(), current_account()
    return render_template(
        "counsellors/person.html",
        person=found,
        rows=worklist.pathways_of(session, account, found.id),
        # The page offers only what the use cases accept for this person (domain.permissions).
        may_start=pathways.start_refusal(session, account, found) is None,
        may_read_passport=access.may_person(session, account, found.id, Action.READ_PASSPORT),
        may_rectify=access.may_person(session, account, found.id, Action.RECTIFY_PERSON),
        may_export=access.may_person(session, account, found.id, Action.EXPORT_PERSON),
        may_read_history=access.may_person(session, account, found.id, Action.READ_ACCESS_HISTORY),
        may_erase=access.may_person(session, account, found.id, Action.ERASE_PERSON),
        may_contact=access.may_person(session, account, found.id, Action.READ_CONTACT),
        may_appointments=access.may_person(session, account, found.id, Action.READ_APPOINTMENTS),
        may_refer=may_be_referent(account.role, account.team, account.active, account.structure_id, None),
        programmes=versions.catalogue(session),
        corrections=rectification.history(session, found),
        values=values or {},
        errors=errors or {},
        levels=beneficiaries.QUALIFICATION_LEVELS,
    )


@bp.post("/personnes/<int:person_id>/identite")
def rectify(person_id: int) -> Any:
    """The referent corrects the person's identity fields (RGPD Art. 16); each change is kept."""
    account, session = current_account(), db_session()
    values = {key: request.form.get(key, "").strip() for key in FIELDS}
    try:
        fields = {key: value for key, value in _person_fields(values).items() if key in rectification.FIELDS}
        rectification.rectify(session, clock(), account, person_id, route_name(), **fields)
    except InvalidInput as error:
        found = access.beneficiary_for(session, clock(), account, person_id, Action.READ_PERSON, route_name())
        return _person_page(found, values, field_messages(error.field_errors)), 400
    return redirect(url_for("counsellors.person", person_id=person_id), code=303)


@bp.get("/personnes/<int:person_id>/donnees.json")
def export_person(person_id: int) -> Response:
    """Everything held about the person, for them (RGPD Art. 15), as the portal gives it; logged."""
    data = staff_export.export(db_session(), clock(), current_account(), person_id, route_name())
    return private_json(data, f"donnees_{data['person']['identifier']}.json")


@bp.get("/personnes/<int:person_id>/donnees.pdf")
def export_person_pdf(person_id: int) -> Response:
    """The same, as a PDF (names escaped, never read as ReportLab's markup); logged as an export."""
    identifier, body = staff_export.export_as_pdf(
        db_session(), clock(), current_account(), person_id, route_name()
    )
    return private_file(body, "application/pdf", f"donnees_{identifier}.pdf")


@bp.route("/personnes/<int:person_id>/anonymisation", methods=["GET", "POST"])
def erase_person(person_id: int) -> Any:
    """Anonymise the file on request (RGPD Art. 17), a reason from the list: choose the reason, then
    confirm on a second page (no script); refused, with what to do, while a pathway is open."""
    session, account = db_session(), current_account()
    found = erasure.prepare(session, clock(), account, person_id, route_name())
    reason = request.form.get("reason", "")
    page = {"person": found, "reasons": erasure.REASONS, "reason": reason, "errors": {}, "refusal": None}
    if request.method == "GET":
        if still_open := erasure.open_pathways(session, found.id):
            page["refusal"] = text("erasure.pathway_open", {"count": still_open})
        return render_template("counsellors/erase.html", step="choose", **page)
    try:
        if request.form.get("confirm") != "1":
            erasure.check(session, found.id, reason)
            return render_template("counsellors/erase.html", step="confirm", **page)
        done = erasure.erase(session, clock(), account, person_id, reason, route_name())
    except InvalidInput as error:
        page["errors"] = field_messages(error.field_errors)
        return render_template("counsellors/erase.html", step="choose", **page), 400
    except ConflictError as error:
        page["refusal"] = text(error.code, error.params)
        return render_template("counsellors/erase.html", step="choose", **page), 409
    return render_template("counsellors/erase.html", step="done", erased=done, **page)


@bp.get("/personnes/<int:person_id>/acces")
def access_history(person_id: int) -> str:
    """Everyone who read, changed or exported the person's file (to answer them); itself logged."""
    session = db_session()
    entries = access_review.history(session, clock(), current_account(), person_id, route_name())
    found = session.get(Beneficiary, person_id)
    return render_template("counsellors/access_history.html", person=found, accesses=entries)


@bp.post("/personnes/<int:person_id>/parcours")
def start(person_id: int) -> Response:
    account = current_account()
    referent = account.id if request.form.get("referent") == "moi" else None
    started = pathways.start_for(
        db_session(),
        clock(),
        account,
        request.form.get("programme", ""),
        person_id,
        route_name(),
        referent_id=referent,
    )
    return redirect(url_for("counsellors.pathway", pathway_id=started.id), code=303)
