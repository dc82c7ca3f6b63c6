"""The studio's "Simuler": run the stored draft of a programme through time, in memory.

The draft runs as it is stored (the page saves it first), with answers drawn from its forms, a
scenario kept beside the programme's model on the server (`<scenarios>/<programme>/*.json`) or one
the coordinator pastes. Nothing is written: the draft, the published versions and every pathway stay
as they were (studio.simulation says how). A draft with errors is not run: its problems come back as
a ModelError, as `Vérifier` lists them.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.errors import InvalidInput, ModelError, ModelProblem
from parcours_engine.domain.permissions import Action
from parcours_engine.engine.loader import load_library
from parcours_engine.persistence.models import Account
from parcours_engine.studio import scenarios as kept
from parcours_engine.studio.scenarios import Scenario
from parcours_engine.studio.simulation import Simulation, simulate, unmet
from parcours_engine.studio.studio import draft_library, get_draft


@dataclass(frozen=True)
class DraftRun:
    simulation: Simulation
    unmet: list[tuple[str, dict[str, Any]]]  # what the scenario expected and the run did not do


def kept_scenarios(scenarios_dir: Path | None, programme: str) -> list[str]:
    """The names of the scenarios kept on the server for `programme` (the panel's choices)."""
    if scenarios_dir is None:
        return []
    return [path.name for path in kept.scenario_files(scenarios_dir, programme)]


def simulate_draft(
    session: Session,
    actor: Account,
    draft_id: int,
    *,
    scenario_text: str | None = None,
    scenario_name: str | None = None,
    seed: int | None = None,
    scenarios_dir: Path | None = None,
) -> DraftRun:
    """Run the draft: with the scenario pasted (`scenario_text`), else the kept one named, else answers
    drawn from its forms (`seed`). Editors only (EDIT_MODELS)."""
    access.require(actor, Action.EDIT_MODELS)
    draft = get_draft(session, draft_id)
    library = load_library(*draft_library(draft))  # ModelError while the draft has errors
    model = library.programmes.get(draft.programme)
    if model is None:
        problem = ModelProblem.coded(
            "", None, draft.programme, "check.draft_process_missing", process=repr(draft.programme)
        )
        raise ModelError([problem])
    scenario = _scenario(draft.programme, scenario_text, scenario_name, scenarios_dir)
    if scenario.programme not in (None, draft.programme):
        raise InvalidInput(
            "simulation.programme_not_in_model", name=scenario.name, programme=scenario.programme
        )
    if seed is not None:
        scenario = replace(scenario, seed=seed)
    result = simulate(model, scenario)
    return DraftRun(result, unmet(result, scenario.expect) if scenario.name else [])


def _scenario(programme: str, text: str | None, name: str | None, scenarios_dir: Path | None) -> Scenario:
    if text:
        return kept.parse_scenario(text, name or "scenario", default_programme=programme)
    if name:
        # Only a file the server lists for this programme: a name is never a path.
        if scenarios_dir is None or name not in kept_scenarios(scenarios_dir, programme):
            raise InvalidInput("simulation.scenario_unknown", name=name)
        return kept.read_scenario(scenarios_dir / programme / name)
    return kept.generated(programme)
