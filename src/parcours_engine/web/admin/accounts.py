"""Accounts: the filtered list, creation, an account's page (changes, password, second factor, active,
API tokens, journal).

A generated password appears once, on the page answering the POST that made it (never redirected to,
never stored in the session, `no-store` so the browser keeps no copy); only its hash is saved.
"""

from __future__ import annotations

from flask import make_response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.wrappers import Response

from parcours_engine.accounts import (
    accounts,
    admin_journal,
    administration,
    second_factor,
    structures,
    tokens,
)
from parcours_engine.domain.errors import InvalidInput
from parcours_engine.domain.paging import paging_from
from parcours_engine.persistence.models import Account
from parcours_engine.web.admin import bp
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.errors import field_messages

NEW_FIELDS = ("username", "display_name", "role", "structure", "team", "routing_code")


@bp.get("/comptes")
def account_list() -> ResponseReturnValue:
    filters = {key: request.args.get(key, "").strip() for key in ("structure", "role")}
    session = db_session()
    errors: dict[str, list[str]] = {}
    paging = paging_from(request.args, ("identifiant",), "identifiant")
    page = None
    try:
        page = administration.account_page(
            session, paging, structure=filters["structure"], role=filters["role"]
        )
    except InvalidInput as error:
        errors = field_messages(error.field_errors)
    body = render_template(
        "admin/accounts.html",
        page=page,
        accounts=page.rows if page else [],
        filters=filters,
        errors=errors,
        no_structure=administration.NO_STRUCTURE,
        **_choices(),
    )
    return body, 400 if errors else 200


@bp.route("/comptes/nouveau", methods=["GET", "POST"])
def new_account() -> ResponseReturnValue:
    if request.method == "GET":
        return render_template("admin/account_new.html", values={}, errors={}, **_choices())
    values = {key: request.form.get(key, "") for key in NEW_FIELDS}
    try:
        issued = administration.create_account(db_session(), clock(), current_account(), **values)
    except InvalidInput as error:
        body = render_template(
            "admin/account_new.html", values=values, errors=field_messages(error.field_errors), **_choices()
        )
        return body, 400
    return _password_page(issued, created=True)


@bp.get("/comptes/<int:account_id>")
def account(account_id: int) -> ResponseReturnValue:
    found = accounts.get_account(db_session(), account_id)
    return _account_page(found, _current_values(found), {})


@bp.post("/comptes/<int:account_id>")
def update_account(account_id: int) -> ResponseReturnValue:
    session = db_session()
    values = {key: request.form.get(key, "") for key in administration.EDITABLE}
    try:
        administration.update_account(session, clock(), current_account(), account_id, dict(values))
    except InvalidInput as error:
        return _account_page(
            accounts.get_account(session, account_id), values, field_messages(error.field_errors)
        ), 400
    return redirect(url_for("admin.account", account_id=account_id, enregistre=1), code=303)


@bp.post("/comptes/<int:account_id>/mot-de-passe")
def reset_password(account_id: int) -> ResponseReturnValue:
    issued = administration.reset_password(db_session(), clock(), current_account(), account_id)
    return _password_page(issued, created=False)


@bp.post("/comptes/<int:account_id>/second-facteur/reinitialiser")
def reset_second_factor(account_id: int) -> ResponseReturnValue:
    """A lost device: the summary of what goes, then the same form confirmed (`confirm=1`)."""
    session = db_session()
    try:
        if request.form.get("confirm") == "1":
            administration.reset_second_factor(session, clock(), current_account(), account_id)
            return redirect(url_for("admin.account", account_id=account_id, facteur=1), code=303)
        summary = administration.second_factor_summary(session, current_account(), account_id)
    except InvalidInput as error:
        found = accounts.get_account(session, account_id)
        return _account_page(found, _current_values(found), field_messages(error.field_errors)), 400
    if summary.enrolled_at is None:
        return redirect(url_for("admin.account", account_id=account_id), code=303)
    return render_template("admin/second_factor_confirm.html", summary=summary)


@bp.post("/comptes/<int:account_id>/jetons/<int:token_id>/revoquer")
def revoke_token(account_id: int, token_id: int) -> ResponseReturnValue:
    administration.revoke_token(db_session(), clock(), current_account(), account_id, token_id)
    return redirect(url_for("admin.account", account_id=account_id), code=303)


@bp.post("/comptes/<int:account_id>/desactiver")
def deactivate(account_id: int) -> ResponseReturnValue:
    """Deactivating takes two steps: its summary, then the same form confirmed (`confirm=1`)."""
    if request.form.get("confirm") == "1":
        return _set_active(account_id, False)
    session = db_session()
    try:
        summary = administration.deactivation_summary(session, current_account(), account_id)
    except InvalidInput as error:
        found = accounts.get_account(session, account_id)
        return _account_page(found, _current_values(found), field_messages(error.field_errors)), 400
    if not summary.account.active:
        return redirect(url_for("admin.account", account_id=account_id), code=303)
    return render_template("admin/deactivate_confirm.html", summary=summary)


@bp.post("/comptes/<int:account_id>/reactiver")
def reactivate(account_id: int) -> ResponseReturnValue:
    return _set_active(account_id, True)


def _set_active(account_id: int, active: bool) -> ResponseReturnValue:
    session = db_session()
    try:
        administration.set_active(session, clock(), current_account(), account_id, active)
    except InvalidInput as error:
        found = accounts.get_account(session, account_id)
        return _account_page(found, _current_values(found), field_messages(error.field_errors)), 400
    return redirect(url_for("admin.account", account_id=account_id), code=303)


def _account_page(found: Account, values: dict[str, str], errors: dict[str, list[str]]) -> str:
    return render_template(
        "admin/account.html",
        account=found,
        values=values,
        errors=errors,
        saved=request.args.get("enregistre") == "1",
        factor_reset=request.args.get("facteur") == "1",
        factor=second_factor.factor_of(db_session(), found),
        is_me=found.id == current_account().id,
        events=admin_journal.history(db_session(), account_id=found.id),
        api_tokens=tokens.list_of(db_session(), current_account(), found.id),
        now_utc=clock().now(),
        **_choices(),
    )


def _current_values(found: Account) -> dict[str, str]:
    return {
        "role": found.role,
        "team": found.team or "",
        "structure": found.structure.code if found.structure else "",
        "routing_code": found.routing_code or "",
    }


def _choices() -> dict[str, object]:
    """The closed lists of the forms: roles, teams, structures."""
    return {
        "roles": accounts.STAFF_ROLES,
        "teams": administration.TEAMS,
        "structures": [row.structure for row in structures.list_structures(db_session())],
    }


def _password_page(issued: administration.IssuedPassword, created: bool) -> Response:
    body = render_template(
        "admin/password.html", account=issued.account, password=issued.password, created=created
    )
    response = make_response(body)
    response.headers["Cache-Control"] = "no-store"  # the password must not stay in a cache
    return response
