"""The supervisors' pages: the dashboard per programme and period, the stalled list, the diagram
overlay showing where people wait, each table exported to CSV.

Who may read what is the permission table's (domain.permissions, checked by web.permissions.gate):
the figures are counts with no person in them, so supervisors, admins and coordinators (who write the
models and must see where people get stuck) may read the dashboard and the diagrams (READ_FIGURES);
the stalled list names people and links to their files, so only admins and supervisors of the
structure read it (READ_STALLED_LIST). Everyone else gets 403.
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

from parcours_engine.web.permissions import gate

bp = Blueprint(
    "supervisors", __name__, url_prefix="/supervision", static_folder="static", static_url_path="/static"
)


@bp.before_request
@login_required
def _readers_only() -> None:
    gate()


# The views register themselves on `bp`.
from parcours_engine.web.supervisors import dashboard, stalled  # noqa: E402, F401
