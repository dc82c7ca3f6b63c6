"""Pathway pages: summary, timeline, open tasks, diagram; caseload; referent transfer; exit by hand."""

from __future__ import annotations

import json

from flask import Response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from parcours_engine import access
from parcours_engine.domain.dates import parse_date
from parcours_engine.domain.outcomes import OUTCOMES
from parcours_engine.domain.permissions import Action
from parcours_engine.pathways import models_cache, notifications, pathways, referents, worklist
from parcours_engine.persistence.models import Beneficiary
from parcours_engine.studio import versions
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.counsellors import bp, route_name
from parcours_engine.web.params import required_whole_number


@bp.get("/file-active")
def caseload() -> str:
    rows = worklist.caseload(db_session(), clock(), current_account(), route_name())
    notice = _("Le parcours a été transféré.") if request.args.get("transfere") else None
    return render_template(
        "counsellors/pathways.html",
        rows=rows,
        title=_("Ma file active"),
        filters=None,
        notice=notice,
        programmes=versions.catalogue(db_session()),
        steps=_step_names(rows),
    )


def _step_names(rows: list[worklist.PathwayRow]) -> dict[str, dict[str, str]]:
    """Per programme of the listed pathways, element id → name: a list names steps, never ids."""
    session = db_session()
    return {code: versions.element_names(session, code) for code in {row.pathway.programme for row in rows}}


@bp.get("/parcours")
def pathway_list() -> str:
    """Every pathway the account may see (a supervisor: the structure), with filters."""
    filters = {
        "programme": request.args.get("programme") or None,
        "status": request.args.get("statut") or None,
    }
    rows = worklist.pathway_list(
        db_session(),
        clock(),
        current_account(),
        route=route_name(),
        programme=filters["programme"],
        status=filters["status"],
    )
    return render_template(
        "counsellors/pathways.html",
        rows=rows,
        title=_("Parcours"),
        filters=filters,
        programmes=versions.catalogue(db_session()),
        statuses=worklist.STATUSES,
        steps=_step_names(rows),
    )


@bp.get("/parcours/<int:pathway_id>")
def pathway(pathway_id: int) -> str:
    session = db_session()
    account = current_account()
    found = access.pathway_for(session, clock(), account, pathway_id, Action.READ_PATHWAY, route_name())
    person = session.get(Beneficiary, found.beneficiary_id)
    detail = worklist.pathway_detail(session, found)
    model = models_cache.model_for(found.process_version)
    names = {element_id: meta.name or element_id for element_id, meta in model.elements.items()}
    return render_template(
        "counsellors/pathway.html",
        pathway=found,
        person=person,
        detail=detail,
        names=names,
        current=[e for e in found.current_elements.split(",") if e],
        candidates=referents.candidates(session, found),
        may_transfer=access.may(session, account, found.id, Action.TRANSFER_REFERENT),
        may_exit=access.may(session, account, found.id, Action.EXIT_PATHWAY),
        outcomes=OUTCOMES,
        may_work=lambda item: worklist.may_work_on(account, item, found),
        today=clock().now().date(),
        done=request.args.get("fait", type=int),
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
def transfer(pathway_id: int) -> BaseResponse:
    session = db_session()
    account = current_account()
    kind = request.form.get("kind", "permanent")
    target = required_whole_number(request.form, "referent")  # bounded: no integer overflow
    # A temporary transfer without an end date is refused by the use case (referent.needs_end).
    ends_on = (
        parse_date(request.form.get("ends_on"), "ends_on", required=False) if kind == "temporary" else None
    )
    pathways.set_referent(session, clock(), account, pathway_id, target, route_name(), kind, ends_on)
    if access.may(session, account, pathway_id):
        return redirect(url_for("counsellors.pathway", pathway_id=pathway_id), code=303)
    # Handed over: the former referent no longer sees the file; their caseload says it went.
    return redirect(url_for("counsellors.caseload", transfere=1), code=303)


@bp.post("/parcours/<int:pathway_id>/sortie")
def exit_pathway(pathway_id: int) -> BaseResponse:
    outcome = request.form.get("outcome", "")
    pathways.exit_pathway(db_session(), clock(), current_account(), pathway_id, outcome, route_name())
    return redirect(url_for("counsellors.pathway", pathway_id=pathway_id), code=303)


@bp.get("/notifications")
def notification_list() -> str:
    account = current_account()
    notes = notifications.recent(db_session(), account.id)
    details = {note.id: notifications.detail(note) for note in notes}
    return render_template("counsellors/notifications.html", notes=notes, details=details)


@bp.post("/notifications/lues")
def notifications_read() -> BaseResponse:
    notifications.mark_all_read(db_session(), clock(), current_account().id)
    return redirect(url_for("counsellors.notification_list"), code=303)
