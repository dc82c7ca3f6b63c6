"""The dashboard: figures per programme and period, with charts, tables and their CSV exports."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from parcours_engine import access
from parcours_engine.domain.errors import InvalidInput
from parcours_engine.domain.permissions import Action
from parcours_engine.supervision import indicators
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.errors import field_messages
from parcours_engine.web.params import required_whole_number
from parcours_engine.web.supervisors import bp, figures, tables
from parcours_engine.web.supervisors.figures import ProgrammeFigures


@bp.get("/")
def dashboard() -> ResponseReturnValue:
    """?programme=&from=&to=&structure= (default: every programme, this year, the reader's structure);
    &format=csv&table=KEY exports."""
    session = db_session()
    account = current_account()
    try:
        period = figures.period_from(request.args, clock())
    except InvalidInput as refused:
        if request.args.get("format") == "csv":
            raise
        return _refused_period(refused)
    structure = figures.structure_from(session, request.args, account)
    chosen = figures.programmes_from(session, request.args)
    export = request.args.get("format") == "csv"
    # The page shows a few caseloads per programme (one more read tells whether there are others).
    limit = None if export else tables.CASELOADS_ON_PAGE + 1
    found = figures.read(session, chosen, period, structure, caseload_limit=limit)
    built = tables.dashboard_tables(found)
    if export:
        return tables.csv_response(tables.pick(built, request.args.get("table")), "indicateurs")
    return render_template(
        "supervisors/dashboard.html",
        period=period,
        programme=request.args.get("programme") or "",
        programmes=figures.programmes_from(session, {}),
        structure=structure,
        structures=figures.structures(session, account),
        found=found,
        tables=built,
        charts={item.code: _charts(item) for item in found},
        reads_files=bool(access.scopes_of(account, Action.READ_STALLED_LIST)),
        sets_objectives=bool(access.scopes_of(account, Action.SET_OBJECTIVES)),
    )


def _refused_period(refused: InvalidInput) -> ResponseReturnValue:
    """A period that is no period (a date that is no date, an end before the start): the dashboard's
    filters again, as typed, each error next to its date, and no figures (400)."""
    session, account = db_session(), current_account()
    typed = {key: (request.args.get(key) or "")[:10] for key in ("from", "to")}
    body = render_template(
        "supervisors/dashboard.html",
        period=None,
        typed=typed,
        errors=field_messages(refused.field_errors),
        programme=request.args.get("programme") or "",
        programmes=figures.programmes_from(session, {}),
        structure=figures.structure_from(session, request.args, account),
        structures=figures.structures(session, account),
        found=[],
        tables=[],
        charts={},
        reads_files=bool(access.scopes_of(account, Action.READ_STALLED_LIST)),
        sets_objectives=False,
    )
    return body, 400


@bp.post("/objectifs")
def set_objective() -> ResponseReturnValue:
    """A yearly objective of entries: a supervisor's for their structure; an admin's for the structure
    chosen on the dashboard, or for the whole organisation."""
    account = current_account()  # SET_OBJECTIVES (web.permissions)
    session = db_session()
    structure = figures.structure_from(session, request.form, account)
    programme = request.form.get("programme") or ""
    figures.programmes_from(session, {"programme": programme})  # unknown: 400
    year = required_whole_number(request.form, "year")
    entries = required_whole_number(request.form, "entries")
    indicators.set_objective(
        session,
        clock(),
        programme,
        year,
        entries,
        account.username,
        None if structure is None else structure.id,
    )
    back: dict[str, Any] = {k: request.form.get(k) or None for k in ("from", "to", "structure")}
    return redirect(
        url_for("supervisors.dashboard", programme=request.form.get("programme_filter") or None, **back)
    )


def _charts(item: ProgrammeFigures) -> dict[str, Any]:
    """What the page's charts draw (dashboard.js); the tables beside them hold the same numbers."""
    exits = sorted(item.figures.exits_by_outcome.items(), key=lambda pair: -pair[1])
    return {
        "exits": {
            "label": _("Sorties"),
            "labels": [tables.outcome_label(code) for code, _n in exits],
            "values": [n for _code, n in exits],
        },
        "entries": {
            "label": _("Personnes"),
            "labels": [_("Entrées"), _("Objectif d'entrées")],
            "values": [item.figures.entries.people, item.figures.objective],
        },
    }
