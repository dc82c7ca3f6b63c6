"""Pathway pages: summary, timeline, open tasks, diagram; caseload; referent transfer; exit by hand
(confirmed with its summary) and its correction by a supervisor."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from parcours_engine import access
from parcours_engine.appointments import follow_ups
from parcours_engine.domain.dates import parse_date
from parcours_engine.domain.errors import InvalidInput
from parcours_engine.domain.outcomes import CORRECTION_REASONS, OUTCOMES
from parcours_engine.domain.paging import paging_from
from parcours_engine.domain.permissions import Action
from parcours_engine.engine.timers import PARIS
from parcours_engine.pathways import exits, models_cache, notifications, pathways, referents, worklist
from parcours_engine.persistence.models import Beneficiary, Pathway
from parcours_engine.studio import versions
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.counsellors import bp, route_name
from parcours_engine.web.errors import field_messages
from parcours_engine.web.params import required_whole_number


@bp.get("/file-active")
def caseload() -> Any:
    search = (request.args.get("q") or "").strip()
    paging = paging_from(request.args, worklist.PATHWAY_SORTS, "sans_mesure")
    notice = _("Le parcours a été transféré.") if request.args.get("transfere") else None
    return _list_page(
        lambda: worklist.caseload_page(
            db_session(), clock(), current_account(), paging, route_name(), search
        ),
        title=_("Ma file active"),
        filters={"q": search},
        notice=notice,
    )


def _list_page(read: Any, **context: Any) -> Any:
    """A list of pathways, or the same page with the search field's error (400)."""
    try:
        found = read()
    except InvalidInput as error:
        errors = field_messages(error.field_errors)
        return render_template(
            "counsellors/pathways.html", page=None, errors=errors, **_lists(), **context
        ), 400
    return render_template(
        "counsellors/pathways.html",
        page=found,
        errors={},
        steps=_step_names(found.rows),
        **_lists(),
        **context,
    )


def _lists() -> dict[str, Any]:
    return {"programmes": versions.catalogue(db_session()), "statuses": worklist.STATUSES}


def _step_names(rows: list[worklist.PathwayRow]) -> dict[str, dict[str, str]]:
    """Per programme of the listed pathways, element id → name: a list names steps, never ids."""
    session = db_session()
    return {code: versions.element_names(session, code) for code in {row.pathway.programme for row in rows}}


@bp.get("/parcours")
def pathway_list() -> Any:
    """Every pathway the account may see (a supervisor: the structure): filtered, searched by the
    person, sorted and paged on the server."""
    filters = {
        "programme": request.args.get("programme") or "",
        "status": request.args.get("statut") or "",
        "q": (request.args.get("q") or "").strip(),
    }
    paging = paging_from(request.args, worklist.PATHWAY_SORTS, "sans_mesure")
    return _list_page(
        lambda: worklist.pathway_page(
            db_session(),
            clock(),
            current_account(),
            paging,
            route=route_name(),
            programme=filters["programme"] or None,
            status=filters["status"] or None,
            search=filters["q"],
        ),
        title=_("Parcours"),
        filters=filters,
        all_filters=True,
    )


@bp.get("/parcours/<int:pathway_id>")
def pathway(pathway_id: int) -> str:
    found = access.pathway_for(
        db_session(), clock(), current_account(), pathway_id, Action.READ_PATHWAY, route_name()
    )
    return _pathway_page(found)


def _pathway_page(found: Pathway, **form_state: Any) -> str:
    """The pathway's page; `form_state` carries a refused form's values and errors (exit, correction)."""
    session = db_session()
    account = current_account()
    person = session.get(Beneficiary, found.beneficiary_id)
    detail = worklist.pathway_detail(session, found)
    model = models_cache.model_for(found.process_version)
    names = {element_id: meta.name or element_id for element_id, meta in model.elements.items()}
    missed: list[datetime] = []  # two or more unexcused absences in a row, for who reads appointments
    if person is not None and access.may_person(session, account, person.id, Action.READ_APPOINTMENTS):
        missed = follow_ups.missed_in_a_row(session, found.id)
    return render_template(
        "counsellors/pathway.html",
        pathway=found,
        person=person,
        detail=detail,
        names=names,
        current=[e for e in found.current_elements.split(",") if e],
        candidates=referents.candidate_names(session, found),
        may_transfer=access.may(session, account, found.id, Action.TRANSFER_REFERENT),
        may_exit=access.may(session, account, found.id, Action.EXIT_PATHWAY),
        may_correct=access.may(session, account, found.id, Action.CORRECT_EXIT),
        corrections=exits.corrections(session, found.id),
        reasons=CORRECTION_REASONS,
        outcomes=OUTCOMES,
        may_work=lambda item: worklist.may_work_on(account, item, found),
        today=clock().now().date(),
        done=request.args.get("fait", type=int),
        form_state={
            "exit_errors": {},
            "correction_errors": {},
            "correction": {},
            "transfer_errors": {},
            "transfer": {},
            **form_state,
        },
        paris=PARIS,
        missed=missed,
        rsa=found.programme in follow_ups.RSA_PROGRAMMES,
    )


@bp.get("/parcours/<int:pathway_id>/modele.bpmn")
def diagram(pathway_id: int) -> Response:
    """The BPMN XML of the pathway's version, for the diagram viewer."""
    found = access.pathway_for(
        db_session(), clock(), current_account(), pathway_id, Action.READ_PATHWAY, route_name()
    )
    version = found.process_version
    files: dict[str, str] = json.loads(version.files_json)
    xml = files.get(version.filename) or next(iter(files.values()))
    return Response(xml, mimetype="application/xml")


@bp.post("/parcours/<int:pathway_id>/referent")
def transfer(pathway_id: int) -> BaseResponse | tuple[str, int]:
    """A refused transfer (no referent, a temporary one without its end date...) comes back as the
    pathway's page with the form as it was typed and each error next to its field."""
    session = db_session()
    account = current_account()
    values = {key: request.form.get(key, "") for key in ("referent", "kind", "ends_on")}
    kind = values["kind"] or "permanent"
    try:
        target = required_whole_number(request.form, "referent")  # bounded: no integer overflow
        # A temporary transfer without an end date is refused by the use case (referent.needs_end).
        ends_on = parse_date(values["ends_on"], "ends_on", required=False) if kind == "temporary" else None
        pathways.set_referent(session, clock(), account, pathway_id, target, route_name(), kind, ends_on)
    except InvalidInput as error:
        found = access.pathway_for(session, clock(), account, pathway_id, Action.READ_PATHWAY, route_name())
        page = _pathway_page(found, transfer_errors=field_messages(error.field_errors), transfer=values)
        return page, 400
    if access.may(session, account, pathway_id):
        return redirect(url_for("counsellors.pathway", pathway_id=pathway_id), code=303)
    # Handed over: the former referent no longer sees the file; their caseload says it went.
    return redirect(url_for("counsellors.caseload", transfere=1), code=303)


@bp.post("/parcours/<int:pathway_id>/sortie")
def exit_pathway(pathway_id: int) -> str | tuple[str, int] | BaseResponse:
    """Ending a pathway takes two steps: the chosen outcome, then its summary confirmed (`confirm=1`)."""
    session, account = db_session(), current_account()
    outcome = request.form.get("outcome", "")
    try:
        summary = exits.exit_summary(session, clock(), account, pathway_id, outcome, route_name())
    except InvalidInput as error:
        found = pathways.get_pathway(session, pathway_id)
        return _pathway_page(found, exit_errors=field_messages(error.field_errors)), 400
    if request.form.get("confirm") != "1":
        return render_template("counsellors/exit_confirm.html", summary=summary)
    pathways.exit_pathway(session, clock(), account, pathway_id, outcome, route_name())
    return redirect(url_for("counsellors.pathway", pathway_id=pathway_id), code=303)


@bp.post("/parcours/<int:pathway_id>/sortie/correction")
def correct_exit(pathway_id: int) -> tuple[str, int] | BaseResponse:
    """A supervisor (or an admin) corrects an exit recorded by mistake, with a reason and a date."""
    session = db_session()
    values = {key: request.form.get(key, "") for key in ("outcome", "reason", "ended_on")}
    try:
        ended_on = parse_date(values["ended_on"], "ended_on", required=False)
        exits.correct_exit(
            session,
            clock(),
            current_account(),
            pathway_id,
            values["outcome"],
            values["reason"],
            ended_on,
            route_name(),
        )
    except InvalidInput as error:
        found = pathways.get_pathway(session, pathway_id)
        page = _pathway_page(found, correction_errors=field_messages(error.field_errors), correction=values)
        return page, 400
    return redirect(url_for("counsellors.pathway", pathway_id=pathway_id, corrigee=1), code=303)


@bp.get("/notifications")
def notification_list() -> str:
    account = current_account()
    session = db_session()
    notes = notifications.recent(session, account.id)
    details = {note.id: notifications.detail(note) for note in notes}
    about = {note.id: notifications.pathway_ids(note, details[note.id]) for note in notes}
    files = notifications.named_pathways(session, (i for ids in about.values() for i in ids))
    steps = {code: versions.element_names(session, code) for code in {f.programme for f in files.values()}}
    return render_template(
        "counsellors/notifications.html",
        notes=notes,
        details=details,
        about=about,
        files=files,
        steps=steps,
        programmes=versions.catalogue(session),
    )


@bp.post("/notifications/lues")
def notifications_read() -> BaseResponse:
    notifications.mark_all_read(db_session(), clock(), current_account().id)
    return redirect(url_for("counsellors.notification_list"), code=303)
