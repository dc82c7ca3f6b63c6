"""The dashboard: figures per programme and period, with charts, tables and their CSV exports."""

from __future__ import annotations

from typing import Any

from flask import render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _

from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.supervisors import FILE_ROLES, bp, figures, tables
from parcours_engine.web.supervisors.figures import ProgrammeFigures


@bp.get("/")
def dashboard() -> ResponseReturnValue:
    """?programme=&from=&to= (default: every programme, this year); &format=csv&table=KEY exports."""
    session = db_session()
    period = figures.period_from(request.args, clock())
    chosen = figures.programmes_from(session, request.args)
    found = figures.read(session, chosen, period)
    built = tables.dashboard_tables(found)
    if request.args.get("format") == "csv":
        return tables.csv_response(tables.pick(built, request.args.get("table")), "indicateurs")
    return render_template(
        "supervisors/dashboard.html",
        period=period,
        programme=request.args.get("programme") or "",
        programmes=figures.programmes_from(session, {}),
        found=found,
        tables=built,
        charts={item.code: _charts(item) for item in found},
        reads_files=current_account().role in FILE_ROLES,
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
