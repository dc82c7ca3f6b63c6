"""Structures: the list with the form creating one, and a structure's page (rename, journal)."""

from __future__ import annotations

from flask import redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from parcours_engine.accounts import accounts, admin_journal, structures
from parcours_engine.domain.errors import InvalidInput
from parcours_engine.web.admin import bp
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.errors import field_messages


@bp.get("/structures")
def structure_list() -> ResponseReturnValue:
    return _list_page({}, {})


@bp.post("/structures")
def create_structure() -> ResponseReturnValue:
    values = {key: request.form.get(key, "") for key in ("code", "name", "kind")}
    try:
        created = structures.create_structure(db_session(), clock(), current_account(), **values)
    except InvalidInput as error:
        return _list_page(values, field_messages(error.field_errors)), 400
    return redirect(url_for("admin.structure_list", creee=created.code), code=303)


@bp.get("/structures/<int:structure_id>")
def structure(structure_id: int) -> ResponseReturnValue:
    found = structures.get_structure(db_session(), structure_id)
    return _structure_page(structure_id, found.name, {})


@bp.post("/structures/<int:structure_id>")
def rename_structure(structure_id: int) -> ResponseReturnValue:
    name = request.form.get("name", "")
    try:
        structures.rename_structure(db_session(), clock(), current_account(), structure_id, name)
    except InvalidInput as error:
        return _structure_page(structure_id, name, field_messages(error.field_errors)), 400
    return redirect(url_for("admin.structure", structure_id=structure_id), code=303)


def _list_page(values: dict[str, str], errors: dict[str, list[str]]) -> str:
    return render_template(
        "admin/structures.html",
        rows=structures.list_structures(db_session()),
        kinds=accounts.STRUCTURE_KINDS,
        values=values,
        errors=errors,
        created=request.args.get("creee"),
    )


def _structure_page(structure_id: int, name: str, errors: dict[str, list[str]]) -> str:
    session = db_session()
    return render_template(
        "admin/structure.html",
        structure=structures.get_structure(session, structure_id),
        name=name,
        errors=errors,
        events=admin_journal.history(session, structure_id=structure_id),
    )
