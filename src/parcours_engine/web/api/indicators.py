"""GET /api/v1/indicators: the supervisors' dashboard figures as JSON (same rules as the pages)."""

from __future__ import annotations

from flask import jsonify, request
from flask.typing import ResponseReturnValue

from parcours_engine.web.api import bp
from parcours_engine.web.api.inputs import query_bounds
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.supervisors import figures


@bp.get("/indicators")
def indicators() -> ResponseReturnValue:
    """?programme=&from=&to=&structure= (default: every programme, this calendar year, the reader's
    structure; an admin reads every structure's unless `structure` names one)."""
    query_bounds({"programme": 64, "structure": 40}, dates=("from", "to"))
    account = current_account()  # READ_FIGURES (web.permissions)
    session = db_session()
    period = figures.period_from(request.args, clock())
    structure = figures.structure_from(session, request.args, account)
    found = figures.read(session, figures.programmes_from(session, request.args), period, structure)
    return jsonify(figures.as_json(found, period, structure))
