"""The coordinator studio: edit a programme's model and forms in the browser as a stored draft, check
it with the same checks as `processes check`, publish it as a new version, compare versions and
migrate running pathways.

Only coordinators and admins may open any page of it (403 for everyone else). Drafts are stored and
checked through studio.studio only: a model with an entity, a DTD or a forbidden script is refused
with the loader's message and nothing is stored.
"""

from __future__ import annotations

from flask import Blueprint
from flask_login import login_required

from parcours_engine.web import security
from parcours_engine.web.permissions import gate

bp = Blueprint("studio", __name__, url_prefix="/studio", static_folder="static", static_url_path="/static")
bp.after_request(security.allow_style_attributes)  # the BPMN editor's properties panel


@bp.before_request
@login_required
def _coordinators_only() -> None:
    """Who may edit models (EDIT_MODELS: coordinators and admins) may use every page of it."""
    gate()


# The views register themselves on `bp`.
from parcours_engine.web.studio import drafts, editing, migration, simulation, versions  # noqa: E402, F401
