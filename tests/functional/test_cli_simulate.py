"""`processes simulate` and `processes check --scenarios` as a coordinator runs them.

A file of processes/ runs with a scenario kept beside it and prints its path by element names, its
outcome and its incidents; `check --scenarios` runs every kept scenario and names the file of each
one that misses what it expects; a published programme runs by its code from the database, which it
leaves as it was (no pathway, no incident).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from click.testing import CliRunner, Result
from sqlalchemy import func, select

from parcours_engine.cli import main
from parcours_engine.persistence.models import Incident, Pathway
from tests.conftest import REPO
from tests.support.library import FIXTURE_LIBRARY, publish_fixture

SCENARIOS = REPO / "processes" / "scenarios"


def _run(*args: str, url: str | None = None) -> Result:
    prefix = ["--database-url", url] if url else []
    return CliRunner().invoke(main, [*prefix, *args], catch_exceptions=False)


def test_a_programme_runs_through_time_from_a_kept_scenario():
    result = _run(
        "processes",
        "simulate",
        str(REPO / "processes" / "civis.bpmn"),
        "--scenario",
        str(SCENARIOS / "civis" / "limite_age.json"),
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert (
        lines[0]
        == "== civis · scenario limite_age.json « Contrat renouvelé, puis le 26e anniversaire » · seed 0 · from 2026-01-05"
    )
    assert "2026-01-05    bloc_accueil › Réaliser le premier accueil [accueil] (scenario)" in lines
    assert (
        "2027-01-05    Sub_civis_accompagnement › Statuer sur le renouvellement du CIVIS [referent] (scenario)"
        in lines
    )
    assert "2027-02-10  26e anniversaire" in lines
    assert lines[-2:] == ["outcome: limite_age (Limite d'âge atteinte), after 400 days", "incidents: none"]


def test_every_kept_scenario_passes_at_check():
    result = _run("processes", "check", "--scenarios", str(REPO / "processes"))
    assert result.exit_code == 0, result.output
    assert f"{len(list(SCENARIOS.glob('*/*.json')))} scenarios, 0 failed" in result.output


def test_check_names_the_scenario_that_misses_its_outcome(tmp_path):
    library = tmp_path / "lib"
    shutil.copytree(REPO / "processes", library / "processes", ignore=shutil.ignore_patterns("scenarios"))
    shutil.copytree(REPO / "forms", library / "forms")
    kept = library / "processes" / "scenarios" / "csj"
    kept.mkdir(parents=True)
    scenario = json.loads((SCENARIOS / "csj" / "valide.json").read_text(encoding="utf-8"))
    (kept / "valide.json").write_text(
        json.dumps({**scenario, "expect": {"outcome": "cdi"}}), encoding="utf-8"
    )
    result = _run("processes", "check", "--scenarios", str(library / "processes" / "csj.bpmn"))
    assert result.exit_code == 1
    assert "scenarios/csj/valide.json: Issue attendue cdi, obtenue formation_qualifiante." in result.output
    assert "1 scenarios, 1 failed" in result.output


def test_generated_answers_and_an_incident_exit_with_status_1(tmp_path):
    zero = tmp_path / "zero.json"
    zero.write_text(
        '{"answers": {"Diagnostic": {"besoin_formation": false, "diviseur": 0}}}', encoding="utf-8"
    )
    result = _run("processes", "simulate", str(FIXTURE_LIBRARY / "processes"), "--scenario", str(zero))
    assert result.exit_code == 1
    assert (
        "incident 2026-01-05 Script_calcul: Le modèle a échoué à « Calculer l'échéance » (Script_calcul) : "
        "ligne 2 : division par zéro"
    ) in result.output
    assert "Waiting at: Diagnostic" in result.output


def test_a_published_programme_runs_by_its_code_and_touches_no_pathway(
    sessions, clock, database_url, tmp_path
):
    publish_fixture(sessions, clock)
    good = tmp_path / "good.yaml"
    good.write_text(
        "answers:\n  Diagnostic: {besoin_formation: true, diviseur: 2}\n  Sortie: {issue: cdi}\nexpect: {outcome: cdi}\n",
        encoding="utf-8",
    )
    result = _run("processes", "simulate", "reference", "--scenario", str(good), "--json", url=database_url)
    assert result.exit_code == 0, result.output
    run = json.loads(result.output)
    assert (run["programme"], run["finished"], run["outcome"], run["unmet"]) == ("reference", True, "cdi", [])
    assert "bloc_formation" in {step["process"] for step in run["steps"]}
    with sessions() as session:
        assert session.scalar(select(func.count(Pathway.id))) == 0
        assert session.scalar(select(func.count(Incident.id))) == 0


def test_an_unknown_programme_is_told_in_french(database_url):
    result = _run("processes", "simulate", "nulle_part", url=database_url)
    assert result.exit_code == 1
    assert (
        "« nulle_part » n'est ni un fichier ou un dossier de modèles, ni un programme publié."
        in result.output
    )


def test_a_model_with_errors_is_not_run(tmp_path: Path):
    library = tmp_path / "lib"
    shutil.copytree(FIXTURE_LIBRARY, library)
    path = library / "processes" / "reference.bpmn"
    path.write_text(path.read_text().replace("ratio = 10 / diviseur", "import os"))
    result = _run("processes", "simulate", str(path))
    assert result.exit_code == 1
    assert "Script_calcul" in result.output and "import" in result.output
