"""Simulating a programme in memory with a virtual clock (studio.simulation, studio.scenarios).

Every shipped programme runs to each of its exits from the scenarios kept beside it
(processes/scenarios/<programme>/*.json): each scenario reaches its outcome with no incident, every
end event and automatic exit of every programme is on one scenario's path, and answers drawn from the
forms alone reach an end too. A failing script, answers a form refuses and a model that never ends are
reported, never raised. Scenario files are JSON or YAML (without anchors), checked key by key.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from parcours_engine.domain.errors import InvalidInput
from parcours_engine.engine.loader import ProcessModel, load_library, read_library_dir
from parcours_engine.engine.timers import PARIS
from parcours_engine.studio import simulation
from parcours_engine.studio.scenarios import generated, parse_scenario, read_scenario
from parcours_engine.studio.simulation import simulate, unmet
from tests.conftest import REPO
from tests.support.library import FIXTURE_LIBRARY

SCENARIOS = sorted((REPO / "processes" / "scenarios").glob("*/*.json"))
PATTERNS = REPO / "tests" / "fixtures" / "patterns"


@pytest.fixture(scope="module")
def library() -> dict[str, ProcessModel]:
    return load_library(*read_library_dir(REPO / "processes", REPO / "forms")).programmes


@pytest.fixture(scope="module")
def reference() -> ProcessModel:
    programmes = load_library(*read_library_dir(FIXTURE_LIBRARY / "processes", FIXTURE_LIBRARY / "forms"))
    return programmes.programmes["reference"]


@pytest.mark.parametrize("path", SCENARIOS, ids=[f"{p.parent.name}/{p.stem}" for p in SCENARIOS])
def test_each_shipped_scenario_reaches_its_exit(library, path: Path):
    scenario = read_scenario(path)
    assert scenario.programme == path.parent.name and scenario.expect is not None
    result = simulate(library[path.parent.name], scenario)
    assert result.finished and result.incidents == [], [i.message("en") for i in result.incidents]
    assert result.outcome == scenario.expect.outcome
    assert unmet(result, scenario.expect) == []


def test_every_exit_of_every_programme_is_on_a_scenarios_path(library):
    for code, model in library.items():
        reached = {
            step.element_id
            for path in SCENARIOS
            if path.parent.name == code
            for step in simulate(model, read_scenario(path)).steps
        }
        ends = {
            e.element_id
            for e in model.elements.values()
            if e.kind == "endEvent" and not e.process_id.startswith("bloc_")
        }
        automatic = {
            e.element_id
            for e in model.elements.values()
            if e.kind == "scriptTask" and (e.name or "").startswith(("Sortie :", "Qualifier la sortie"))
        }
        assert ends | automatic <= reached, (code, sorted((ends | automatic) - reached))


def test_answers_drawn_from_the_forms_reach_an_end_in_every_programme(library):
    for code, model in library.items():
        result = simulate(model, generated(code, seed=0))
        assert result.finished, (code, result.waiting, [i.message("en") for i in result.incidents])
        assert result.incidents == [] and result.outcome is not None
        assert all(step.answered == "generated" for step in result.steps if step.kind == "userTask")


def test_the_virtual_clock_jumps_to_each_timer(library):
    result = simulate(library["civis"], read_scenario(REPO / "processes/scenarios/civis/limite_age.json"))
    when = {step.name: step.at.astimezone(PARIS).date() for step in result.steps}
    assert when["Signer le contrat CIVIS"] == date(2026, 1, 5)
    assert when["Échéance dans un mois"] == date(2026, 12, 5)  # a month before the contract's end
    assert when["26e anniversaire"] == date(2027, 2, 10)  # born 2001-02-10
    assert result.ended_at.astimezone(PARIS).date() == date(2027, 2, 10)


def test_the_guides_monthly_attendance_pattern_points_each_month_and_at_the_planned_end():
    """processes/README.md, "Monthly attendance check": tests/fixtures/patterns/processes/."""
    model = load_library(*read_library_dir(PATTERNS / "processes", PATTERNS / "forms")).programmes[
        "assiduite_mensuelle"
    ]
    kept = PATTERNS / "processes" / "scenarios" / "assiduite_mensuelle"
    regular = simulate(model, read_scenario(kept / "assidue.json"))
    assert unmet(regular, read_scenario(kept / "assidue.json").expect) == []
    checks = [
        s.at.astimezone(PARIS).date() for s in regular.steps if s.name == "Pointer les présences du mois"
    ]
    assert checks == [date(2026, 2, 5), date(2026, 3, 5), date(2026, 3, 16)]  # a month apart, then the end
    lanes = {s.lane for s in regular.steps if s.name == "Pointer les présences du mois"}
    assert lanes == {"partenaire"}
    absent = read_scenario(kept / "absences.json")
    assert unmet(simulate(model, absent), absent.expect) == []


def test_a_failing_script_is_an_incident_and_the_pathway_stays_where_it_was(reference):
    scenario = parse_scenario(
        b'{"answers": {"Diagnostic": {"besoin_formation": false, "diviseur": 0}}}', "zero.json"
    )
    result = simulate(reference, scenario)
    assert not result.finished and result.stop == "simulation.stopped_stuck"
    (incident,) = result.incidents
    assert (incident.element_id, incident.operation) == ("Script_calcul", "complete_task")
    assert "division by zero" in incident.message("en")
    assert result.waiting == ["Diagnostic"]  # rolled back: the task still waits
    assert "Calculer l'échéance" not in [step.name for step in result.steps]
    assert [code for code, _ in unmet(result, None)] == [
        "simulation.expected_end",
        "simulation.expected_incidents",
    ]


def test_answers_the_form_refuses_are_an_incident_naming_the_fields(reference):
    scenario = parse_scenario(b'{"answers": {"Diagnostic": {"diviseur": 99}}}', "trop.json")
    (incident,) = simulate(reference, scenario).incidents
    assert incident.code == "simulation.answers_refused"
    assert incident.message("fr") == (
        "Les réponses du scénario pour « Diagnostic » ne conviennent pas au formulaire "
        "ref_diagnostic.schema.json (champs : diviseur)."
    )


def test_a_model_that_never_ends_is_stopped(reference, monkeypatch):
    monkeypatch.setattr(simulation, "MAX_TRANSITIONS", 2)
    result = simulate(reference, generated("reference"))
    assert not result.finished and result.stop == "simulation.stopped_too_long"


def test_a_run_over_its_time_budget_is_stopped(reference):
    result = simulate(reference, generated("reference"), time_budget_s=0)
    assert not result.finished and result.stop == "simulation.stopped_time"
    assert result.as_dict("en")["stop"] == (
        "The simulation ran out of computing time before reaching an end (a loop?)."
    )


def test_wait_leaves_a_task_open_until_a_timer_fires_then_the_next_answer_is_used(reference):
    scenario = parse_scenario(
        b"""{"answers": {"Diagnostic": {"besoin_formation": false, "diviseur": 2},
                        "Bilan": ["wait"], "Sortie": {"issue": "cdi"}}}""",
        "attente.json",
    )
    result = simulate(reference, scenario)
    assert not result.finished and result.waiting == ["Bilan"]  # no timer to wait for before the Bilan
    assert result.stop == "simulation.stopped_stuck"


def test_a_scenario_may_be_yaml_with_relative_dates():
    scenario = parse_scenario(
        "programme: civis\nstart: 2026-03-02\nperson:\n  date_naissance: today-19y\n"
        "answers:\n  Choisir la prochaine étape:\n    - {prochaine_etape: sortie, date_prochaine_mesure: today+1w}\n",
        "civis.yaml",
    )
    assert scenario.person["date_naissance"] == "2007-03-02"
    assert scenario.answers["Choisir la prochaine étape"] == (
        {"prochaine_etape": "sortie", "date_prochaine_mesure": "today+1w"},
    )
    assert scenario.start.date() == date(2026, 3, 2)


@pytest.mark.parametrize(
    ("text", "code", "key"),
    [
        ("a: &x [1]\nb: *x\n", "simulation.scenario_unreadable", None),
        ('{"answer": {}}', "simulation.scenario_unknown_key", "answer"),
        ('{"person": {"nom": "Martin"}}', "simulation.scenario_person_field", "nom"),
        ('{"answers": {"Diagnostic": 3}}', "simulation.scenario_shape", "answers.Diagnostic"),
        ('{"expect": {"outcome": 3}}', "simulation.scenario_shape", "expect"),
        ('{"start": "demain"}', "simulation.scenario_shape", "start"),
        ("[1, 2]", "simulation.scenario_shape", "/"),
        ("{not json", "simulation.scenario_unreadable", None),
    ],
)
def test_a_scenario_is_refused_with_a_code_naming_what_to_fix(text, code, key):
    name = "a.yaml" if text.startswith("a:") else "a.json"
    with pytest.raises(InvalidInput) as refused:
        parse_scenario(text, name)
    assert refused.value.code == code
    if key is not None:
        assert refused.value.params["key"] == key
