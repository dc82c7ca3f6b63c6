"""The supervisors' pages: the dashboard per programme and period, the stalled list, the diagram
overlay showing where people wait, each table exported to CSV.

Who may read what follows services.access: the figures are counts with no person in them, so
supervisors, admins and coordinators (who write the models and must see where people get stuck) may
read the dashboard and the diagrams; the stalled list names people and links to their files, so only
those who may see pathways (admins, supervisors of the structure) read it. Everyone else gets 403.
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

from parcours_engine.domain.errors import Forbidden
from parcours_engine.persistence.models import Account
from parcours_engine.web.auth import current_account

bp = Blueprint(
    "supervisors", __name__, url_prefix="/supervision", static_folder="static", static_url_path="/static"
)

FIGURE_ROLES = ("supervisor", "admin", "coordinator")  # counts only, no person named
FILE_ROLES = ("supervisor", "admin")  # lists naming people, linking to their files
OBJECTIVE_ROLES = ("supervisor", "admin")  # the yearly objectives of entries (coordinators read them)


@bp.before_request
@login_required
def _readers_only() -> None:
    require_figures(current_account())


def require_figures(account: Account) -> None:
    if account.role not in FIGURE_ROLES:
        raise Forbidden("only supervisors, coordinators and admins read the indicators")


def require_files(account: Account) -> None:
    if account.role not in FILE_ROLES:
        raise Forbidden("only supervisors and admins read the stalled list")


# The views register themselves on `bp`.
from parcours_engine.web.supervisors import dashboard, stalled  # noqa: E402, F401
