"""The counsellors' workspace: inbox, caseload, pathway pages, task forms, people, notifications.

Views parse the request, call one service and render; access checks and the access log live in
access (every read or change of a person's file is logged in the request's transaction).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Blueprint, request
from flask_login import current_user, login_required

bp = Blueprint("counsellors", __name__)


@bp.before_request
@login_required
def _signed_in_only() -> None:
    """Every page of the workspace needs a signed-in account, and the route's action (web.permissions)."""
    from parcours_engine.web.permissions import gate

    gate()


@bp.app_context_processor
def _header() -> dict[str, Any]:
    """The unread-notifications counter of the page header (one COUNT query per page)."""
    if request.path.startswith("/api/") or not current_user.is_authenticated:
        return {"unread_notifications": 0}
    from parcours_engine.pathways import notifications
    from parcours_engine.web.app import db_session
    from parcours_engine.web.auth import current_account

    return {"unread_notifications": notifications.unread_count(db_session(), current_account().id)}


@bp.app_template_filter("actor")
def _actor(name: str | None, names: Mapping[str, str] | None = None) -> str:
    from parcours_engine.web.actors import actor_name

    return actor_name(name, names)


def route_name() -> str:
    """What the access log records as the route: method and URL rule."""
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    return f"{request.method} {rule}"


# The views register themselves on `bp`.
from parcours_engine.web.counsellors import pathways, people, shared, tasks  # noqa: E402, F401
