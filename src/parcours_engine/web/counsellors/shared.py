"""A partner's first page: the people whose consent to share with its structure is in force."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from parcours_engine.domain.errors import InvalidInput
from parcours_engine.passport import shared
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.counsellors import bp, route_name
from parcours_engine.web.errors import field_messages


@bp.get("/personnes-partagees")
def shared_people() -> Any:
    name = (request.args.get("nom") or "").strip()
    try:
        people = shared.shared_people(db_session(), clock(), current_account(), route=route_name(), name=name)
    except InvalidInput as refused:
        errors = field_messages(refused.field_errors)
        return render_template("counsellors/shared_people.html", people=[], name=name, errors=errors), 400
    return render_template("counsellors/shared_people.html", people=people, name=name, errors={})
