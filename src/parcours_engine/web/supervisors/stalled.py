"""The stalled list (sortable, filterable, exported to CSV) and each programme's diagram with, on
every element, how many pathways wait there now and their median waiting time."""

from __future__ import annotations

import json

from flask import Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _
from markupsafe import Markup

from parcours_engine import access
from parcours_engine.domain import supervision as rules
from parcours_engine.domain.errors import FieldError, InvalidInput
from parcours_engine.pathways import referents
from parcours_engine.persistence.models import Account
from parcours_engine.studio import versions
from parcours_engine.supervision import indicators, supervision
from parcours_engine.supervision.supervision import StalledFilter, StalledRow
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.counsellors import route_name
from parcours_engine.web.params import whole_number
from parcours_engine.web.supervisors import bp, figures, tables

PAGE_SIZE = 50
CSV_LIMIT = 20_000


@bp.get("/blocages")
def stalled_list() -> ResponseReturnValue:
    """?programme=&reason=&referent=&sort=&order=asc|desc&page=; &format=csv exports every row."""
    account = current_account()
    session = db_session()
    where = _filter(account)
    sort = request.args.get("sort") or "stalled_since"
    if sort not in supervision.SORTS:
        raise InvalidInput(field_errors={"sort": [FieldError("field.choice")]})
    descending = request.args.get("order") == "desc"
    if request.args.get("format") == "csv":
        rows = supervision.stalled_list(session, where, sort, descending, limit=CSV_LIMIT)
        access.log_list(session, clock(), account, route_name(), len(rows))  # it names people
        return tables.csv_response(_table(rows), "parcours")
    page = whole_number(request.args, "page") or 1
    rows = supervision.stalled_list(
        session, where, sort, descending, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE
    )
    access.log_list(session, clock(), account, route_name(), len(rows))
    return render_template(
        "supervisors/stalled.html",
        rows=rows,
        total=supervision.stalled_count(session, where),
        page=page,
        page_size=PAGE_SIZE,
        where=where,
        sort=sort,
        descending=descending,
        now=clock().now(),
        programmes=versions.catalogue(session),
        reasons=rules.STALL_REASONS,
        referents=referents.referent_names(session, where.structure_id),
    )


def _filter(account: Account) -> StalledFilter:
    structure_id = access.structure_scope(account)  # a supervisor reads their structure's pathways
    reason = request.args.get("reason") or None
    if reason is not None and reason not in rules.STALL_REASONS:
        raise InvalidInput(field_errors={"reason": [FieldError("field.choice")]})
    return StalledFilter(
        programme=request.args.get("programme") or None,
        reason=reason,
        referent_id=whole_number(request.args, "referent"),
        structure_id=structure_id,
    )


def reason_label(code: str | None) -> str:
    return {
        rules.IDLE_TOO_LONG: _("Sans mesure depuis trop longtemps"),
        rules.ELEMENT_WAIT_TOO_LONG: _("Attente trop longue à une étape"),
        rules.TASK_OVERDUE: _("Tâche en retard"),
    }.get(code or "", code or "")


def _table(rows: list[StalledRow]) -> tables.Table:
    now = clock().now()
    headers = [
        _("Parcours"),
        _("Programme"),
        _("Personne"),
        _("Référent"),
        _("Motif"),
        _("Étape"),
        _("Bloqué depuis"),
        _("Jours"),
    ]
    body: list[list[tables.Cell]] = [
        [
            row.pathway_id,
            row.programme,
            row.beneficiary_identifier,
            row.referent_name,
            reason_label(row.reason),
            row.element_name or row.element_id,
            row.stalled_since.date().isoformat(),
            row.days_stalled(now),
        ]
        for row in rows
    ]
    return tables.Table("stalled", _("Parcours bloqués"), headers, body)


@bp.app_template_global()
def stall_reason_label(code: str | None) -> str:
    """For the notifications page and the stalled list: a stall reason in words."""
    return reason_label(code)


# --- the diagram overlay ---------------------------------------------------------------------------


@bp.get("/programmes/<programme>/diagramme")
def diagram(programme: str) -> ResponseReturnValue:
    """The newest version's diagram; the counts cover every version's pathways (?structure= for admins)."""
    session = db_session()
    version = versions.latest(session, programme)  # NotFound: 404
    structure = figures.structure_from(session, request.args, current_account())
    scope = None if structure is None else structure.id
    waits = sorted(
        indicators.element_waits(session, programme, clock().now(), scope).values(), key=lambda w: -w.waiting
    )
    overlays = [{"element": w.element_id, "html": str(_badge(w))} for w in waits]
    return render_template(
        "supervisors/diagram.html",
        version=version,
        waits=waits,
        overlays=json.dumps(overlays),
        structure=structure,
        names=versions.element_names(session, programme),
    )


def _badge(wait: indicators.ElementWait) -> Markup:
    """The overlay on one element; the viewer inserts it as HTML, so every value is escaped here."""
    days = format_decimal(wait.median_days, format="#,##0.0")
    title = _("%(n)s en attente, attente médiane %(d)s jours", n=wait.waiting, d=days)
    return Markup('<span class="parcours-waits" title="{}">{} · {} {}</span>').format(
        title, wait.waiting, days, _("j")
    )


@bp.get("/programmes/<programme>/modele.bpmn")
def diagram_xml(programme: str) -> Response:
    """The BPMN XML of the programme's newest version, for the diagram viewer (readers only)."""
    version = versions.latest(db_session(), programme)
    files: dict[str, str] = json.loads(version.files_json)
    xml = files.get(version.filename) or next(iter(files.values()))
    return Response(xml, mimetype="application/xml")
