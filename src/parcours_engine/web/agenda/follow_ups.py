"""A "Relancer la personne" follow-up's page (who, which appointment was missed) and its outcome."""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for

from parcours_engine.appointments import follow_ups
from parcours_engine.domain.appointments import FollowUpOutcome
from parcours_engine.domain.errors import ConflictError, InvalidInput
from parcours_engine.web.agenda import bp, route_name
from parcours_engine.web.app import clock, db_session, fresh_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.errors import field_messages, text


@bp.route("/relances/<int:follow_up_id>", methods=["GET", "POST"])
def follow_up(follow_up_id: int) -> Any:
    if request.method == "GET":
        row = follow_ups.one(db_session(), clock(), current_account(), follow_up_id, route_name())
        return _page(row)
    outcome = request.form.get("outcome", "")
    try:
        follow_ups.done(db_session(), clock(), current_account(), follow_up_id, outcome, route_name())
    except InvalidInput as error:
        row = follow_ups.one(fresh_session(), clock(), current_account(), follow_up_id, route_name())
        return _page(row, field_messages(error.field_errors)), 400
    except ConflictError as error:
        row = follow_ups.one(fresh_session(), clock(), current_account(), follow_up_id, route_name())
        return _page(row, refusal=text(error.code, error.params)), 409
    return redirect(url_for("counsellors.inbox", relance=1), code=303)


def _page(
    row: follow_ups.FollowUpRow, errors: dict[str, list[str]] | None = None, refusal: str | None = None
) -> str:
    return render_template(
        "agenda/follow_up.html",
        row=row,
        outcomes=list(FollowUpOutcome),
        errors=errors or {},
        refusal=refusal,
    )
