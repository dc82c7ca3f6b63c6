"""Refused attempts in the access log, written after the request's own transaction has ended.

A refusal (403) rolls the request's unit of work back, so its row cannot ride in it: `note_refusal`
(an after-request hook) remembers who was refused on which route, and `write_refusal` (a teardown
hook, run once the unit of work was rolled back and its write lock released) writes the row in a
transaction of its own (access.log_refusal). Both are registered by web.auth's blueprint.
"""

from __future__ import annotations

from flask import Response, current_app, g, request
from sqlalchemy import inspect

from parcours_engine import access


def _signed_in_account_id() -> int | None:
    account = g.get("api_account")
    if account is None:
        user = g.get("_login_user")  # Flask-Login's user of this request, if it was loaded
        account = getattr(user, "account", None)
    if account is None:
        return None
    identity = inspect(account).identity  # no query: the row may be expired after the rollback
    return int(identity[0]) if identity else None


def note_refusal(response: Response) -> Response:
    if response.status_code == 403:
        account_id = _signed_in_account_id()
        if account_id is not None:
            rule = request.url_rule.rule if request.url_rule is not None else request.path
            g.refusal = (account_id, f"{request.method} {rule}")
    return response


def write_refusal(_exc: BaseException | None = None) -> None:
    refusal = g.pop("refusal", None)
    if refusal is None:
        return
    account_id, route = refusal
    sessions = current_app.extensions["parcours.sessions"]
    access.log_refusal(sessions, current_app.config["CLOCK"], account_id, "forbidden", route)
