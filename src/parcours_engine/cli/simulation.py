"""What `processes simulate` and `processes check --scenarios` print: a run's path, outcome and
incidents, and the scenarios kept beside a library (`<library>/scenarios/<programme>/*.json`)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from parcours_engine.cli.context import language
from parcours_engine.domain.errors import InvalidInput, ParcoursError
from parcours_engine.domain.messages import render
from parcours_engine.domain.outcomes import BY_CODE as OUTCOMES
from parcours_engine.engine.loader import ProcessModel
from parcours_engine.engine.timers import PARIS
from parcours_engine.studio import scenarios as scenario_files
from parcours_engine.studio.scenarios import Scenario
from parcours_engine.studio.simulation import Simulation, simulate, unmet


def pick_programme(scenario: Scenario, models: Mapping[str, ProcessModel]) -> ProcessModel:
    """The model a scenario runs: the programme it names, else the only one there is."""
    if scenario.programme is None:
        if len(models) != 1:
            raise InvalidInput("simulation.programme_unnamed", programmes=", ".join(sorted(models)))
        return next(iter(models.values()))
    if scenario.programme not in models:
        raise InvalidInput(
            "simulation.programme_not_in_model", name=scenario.name, programme=scenario.programme
        )
    return models[scenario.programme]


def describe(sim: Simulation, show_answers: bool = False) -> list[str]:
    """The run as lines: a heading, one line per step (blocks indented), the end, the incidents."""
    lang = language()
    source = f"scenario {sim.scenario} « {sim.title} »" if sim.scenario else "generated answers"
    lines = [
        f"== {sim.programme} · {source} · seed {sim.seed} · from {sim.started_at.astimezone(PARIS):%Y-%m-%d}"
    ]
    for step in sim.steps:
        indent = "  " if step.process_id == sim.programme else "    "
        where = "" if step.process_id == sim.programme else f"{step.process_id} › "
        lane = f" [{step.lane}]" if step.lane else ""
        answered = f" ({step.answered})" if step.answered else ""
        lines.append(f"{step.at.astimezone(PARIS):%Y-%m-%d}{indent}{where}{step.name}{lane}{answered}")
        if show_answers and step.data:
            answers = ", ".join(f"{key}={value}" for key, value in step.data.items())
            lines.append(f"{'':10}{indent}  {answers}")
    days = (sim.ended_at - sim.started_at).days
    if sim.finished:
        known = OUTCOMES.get(sim.outcome or "")
        label = (known.label_en if lang == "en" else known.label_fr) if known else "-"
        follow = f" → {sim.follow_on}" if sim.follow_on else ""
        lines.append(f"outcome: {sim.outcome} ({label}){follow}, after {days} days")
    else:
        stop = render(sim.stop or "simulation.stopped_stuck", {}, lang)
        lines.append(f"not finished after {days} days: {stop} Waiting at: {', '.join(sim.waiting) or '-'}")
    if not sim.incidents:
        lines.append("incidents: none")
    for incident in sim.incidents:
        lines.append(
            f"incident {incident.at:%Y-%m-%d} {incident.element_id or '-'}: {incident.message(lang)}"
        )
    return lines


@dataclass(frozen=True)
class ScenarioRun:
    file: str  # as printed: scenarios/<programme>/<name>
    simulation: Simulation | None
    problems: list[str]  # unmet expectations or why the file could not run, in the CLI's language


def run_kept_scenarios(root: Path, models: Mapping[str, ProcessModel]) -> list[ScenarioRun]:
    """Every scenario kept in `root`/scenarios for the programmes in `models`."""
    runs = []
    for programme in sorted(models):
        for path in scenario_files.scenario_files(root / "scenarios", programme):
            runs.append(_run_file(path, root, models))
    return runs


def _run_file(path: Path, root: Path, models: Mapping[str, ProcessModel]) -> ScenarioRun:
    shown = path.relative_to(root).as_posix()
    try:
        scenario = scenario_files.read_scenario(path)
        model = pick_programme(scenario, models)
    except ParcoursError as error:
        return ScenarioRun(shown, None, [error.message(language())])
    sim = simulate(model, scenario)
    return ScenarioRun(
        shown, sim, [render(code, params, language()) for code, params in unmet(sim, scenario.expect)]
    )


def summary(runs: Iterable[ScenarioRun]) -> tuple[int, int]:
    """(scenarios run, scenarios failed)."""
    done = list(runs)
    return len(done), sum(1 for run in done if run.problems)
