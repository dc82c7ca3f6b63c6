"""Contact details, appointments and the agenda (issue 17): the pages of a person's contact details
and appointments, the counsellor's week and day, and the iCalendar feed.

Views parse the request, call one use case of `parcours_engine.appointments` and render; the rights
and the access log live in the use cases. Every page needs a signed-in account, except the feed,
which its secret token opens (calendar applications cannot sign in).
"""

from __future__ import annotations

from flask import Blueprint, request
from flask_login import login_required

bp = Blueprint("agenda", __name__, static_folder="static", static_url_path="/agenda/static")

PUBLIC_ENDPOINTS = frozenset({"agenda.feed"})


@bp.before_request
def _signed_in_only() -> None:
    """The route's action (web.permissions) for a signed-in account; the feed is opened by its token."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    return _gate()


@login_required
def _gate() -> None:
    from parcours_engine.web.permissions import gate

    gate()


def route_name() -> str:
    """What the access log records as the route: method and URL rule."""
    rule = request.url_rule.rule if request.url_rule is not None else request.path
    return f"{request.method} {rule}"


@bp.app_template_filter("paris")
def _paris(moment: object, pattern: str = "%d/%m/%Y %H:%M") -> str:
    """An instant as the agenda shows it: Paris time."""
    from datetime import datetime

    from parcours_engine.domain.appointments import to_paris

    return to_paris(moment).strftime(pattern) if isinstance(moment, datetime) else ""


# The views register themselves on `bp`.
from parcours_engine.web.agenda import appointments, contacts, follow_ups, pages  # noqa: E402, F401
