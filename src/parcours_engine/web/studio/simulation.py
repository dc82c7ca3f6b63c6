"""The editor's "Simuler" panel: run the stored draft through time and show the path it takes, its
outcome and every incident (studio.draft_simulation).

The page saves the draft first, then posts here with answers drawn from the forms (a seed), the name
of a scenario the server keeps for the programme, or a scenario pasted as JSON or YAML. Nothing is
written: the request is a read unit (`reads_only`), so SQLite's write lock is not held while the
model runs. A draft with errors answers 422 with its problems, as "Vérifier" does.

The scenarios kept on the server are in `SCENARIOS_DIR` (app config), else `$PARCOURS_SCENARIOS_DIR`,
else `processes/scenarios` of the directory the server runs in (`make run`'s).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Response, current_app, jsonify, request
from werkzeug.wrappers import Response as BaseResponse

from parcours_engine.domain.errors import FieldError, InvalidInput, ModelError
from parcours_engine.domain.messages import render
from parcours_engine.domain.outcomes import BY_CODE
from parcours_engine.studio import draft_simulation
from parcours_engine.studio.scenarios import MAX_BYTES
from parcours_engine.web.app import db_session, reads_only
from parcours_engine.web.auth import current_account
from parcours_engine.web.errors import language
from parcours_engine.web.studio import bp
from parcours_engine.web.studio.drafts import draft_of
from parcours_engine.web.studio.editing import as_json

JsonReply = tuple[Response, int]


def scenarios_dir() -> Path | None:
    """Where the server keeps the programmes' scenarios, if anywhere."""
    chosen = current_app.config.get("SCENARIOS_DIR") or os.environ.get("PARCOURS_SCENARIOS_DIR")
    folder = Path(chosen) if chosen else Path("processes") / "scenarios"
    return folder if folder.is_dir() else None


def kept_scenarios(programme: str) -> list[str]:
    """The names of the scenarios the panel offers for `programme`."""
    return draft_simulation.kept_scenarios(scenarios_dir(), programme)


@bp.post("/<programme>/brouillons/<int:draft_id>/simuler")
@reads_only
def simulate(programme: str, draft_id: int) -> JsonReply | BaseResponse:
    """Run the stored draft: `{"scenario": "<JSON or YAML>"}`, `{"scenario_name": "x.json"}` or
    `{"seed": 3}`; the path, the outcome, the incidents and what the scenario expected in vain."""
    sent = request.get_json(silent=True)
    if not isinstance(sent, dict):
        raise InvalidInput("error.json_body")
    text, name, seed = sent.get("scenario"), sent.get("scenario_name"), sent.get("seed")
    if text is not None and (not isinstance(text, str) or len(text) > MAX_BYTES):
        raise InvalidInput("error.invalid_input", {"scenario": [FieldError("field.invalid")]})
    if name is not None and not isinstance(name, str):
        raise InvalidInput("error.invalid_input", {"scenario_name": [FieldError("field.invalid")]})
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31):
        raise InvalidInput("error.invalid_input", {"seed": [FieldError("field.integer")]})
    draft = draft_of(programme, draft_id)
    try:
        run = draft_simulation.simulate_draft(
            db_session(),
            current_account(),
            draft.id,
            scenario_text=text or None,
            scenario_name=name or None,
            seed=seed,
            scenarios_dir=scenarios_dir(),
        )
    except ModelError as error:
        return jsonify({"ok": False, "problems": as_json(error.problems)}), 422
    lang = language()
    result: dict[str, Any] = run.simulation.as_dict(lang)
    known = BY_CODE.get(result["outcome"] or "")
    result["outcome_label"] = (known.label_en if lang == "en" else known.label_fr) if known else None
    unmet = [render(code, params, lang) for code, params in run.unmet]
    return jsonify(
        {
            "ok": not run.simulation.incidents and not unmet and run.simulation.finished,
            "simulation": result,
            "unmet": unmet,
        }
    ), 200
