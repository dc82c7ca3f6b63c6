"""The JSON API under /api/v1: bearer-token access with the rights of the token's account.

Errors are JSON (`message`, `field_errors`) whatever happens: see web/errors.py. A wrong, expired or
revoked token is counted against the caller's address (accounts.tokens) in a short write of its own
(the request may be a read); past the limit the address gets 429 for a while, right token or not.

With PARCOURS_ADMIN_TOTP_REQUIRED=1, an admin's token is refused (403) while the admin has no second
factor, as its sessions reach only the enrolment page. A token is not asked for a code at each call:
it is issued on the server's command line (`users token`), by someone who holds the server, and it
expires; once the admin has enrolled, the tokens work again.
"""

from __future__ import annotations

from flask import Blueprint, Response, current_app, g, request

from parcours_engine.accounts import second_factor, tokens
from parcours_engine.persistence.models import Account
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.web import security
from parcours_engine.web.app import clock, db_session, unit
from parcours_engine.web.errors import json_error
from parcours_engine.web.permissions import gate

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC = {"api.openapi"}


@bp.before_request
def _authenticate() -> Response | None:
    if request.endpoint in PUBLIC:
        return None
    address = security.address()
    try:
        tokens.check_address(db_session(), clock(), address)
    except tokens.TokensLocked as locked:
        response = json_error(429, locked.code)
        response.headers["Retry-After"] = str(max(1, int((locked.until - clock().now()).total_seconds())))
        return response
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    given = token.strip()[:200]
    account = tokens.account_for(db_session(), clock(), given) if scheme.lower() == "bearer" else None
    if account is None:
        if given:
            _count_wrong_token(address)
        response = json_error(401, "error.unauthorized")
        response.headers["WWW-Authenticate"] = 'Bearer realm="parcours-engine"'
        return response
    if _must_enrol_first(account):
        return json_error(403, "token.second_factor_required")
    g.api_account = account
    gate()  # the route's action (web.permissions)
    return None


def _must_enrol_first(account: Account) -> bool:
    required = bool(current_app.config.get("ADMIN_TOTP_REQUIRED"))
    return second_factor.required_for(account, required) and not second_factor.enrolled(db_session(), account)


def _count_wrong_token(address: str) -> None:
    """A write request counts in its own unit (kept despite the 401); a read, in a short write apart."""
    request_unit = unit()
    if request_unit.write:
        tokens.note_wrong_token(request_unit.session, clock(), address)
        g.commit_on_error = True
        return
    with unit_of_work(current_app.extensions["parcours.sessions"]) as session:
        tokens.note_wrong_token(session, clock(), address)


from parcours_engine.web.api import appointments, indicators, routes  # noqa: E402, F401
