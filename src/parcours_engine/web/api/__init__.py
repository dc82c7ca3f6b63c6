"""The JSON API under /api/v1: bearer-token access with the rights of the token's account.

Errors are JSON (`message`, `field_errors`) whatever happens: see web/errors.py.
"""

from __future__ import annotations

from flask import Blueprint, Response, g, request

from parcours_engine.accounts import accounts
from parcours_engine.web.app import db_session
from parcours_engine.web.errors import json_error
from parcours_engine.web.permissions import gate

bp = Blueprint("api", __name__, url_prefix="/api/v1")

PUBLIC = {"api.openapi"}


@bp.before_request
def _authenticate() -> Response | None:
    if request.endpoint in PUBLIC:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    account = accounts.account_for_token(db_session(), token.strip()) if scheme.lower() == "bearer" else None
    if account is None:
        response = json_error(401, "error.unauthorized")
        response.headers["WWW-Authenticate"] = 'Bearer realm="parcours-engine"'
        return response
    g.api_account = account
    gate()  # the route's action (web.permissions)
    return None


from parcours_engine.web.api import indicators, routes  # noqa: E402, F401
