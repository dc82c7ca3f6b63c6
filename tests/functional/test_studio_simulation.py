"""The studio's "Simuler" on a stored draft: answers drawn from the forms, a scenario the server keeps
or one pasted; the path, the outcome and the incidents come back, nothing is written, and SQLite's
write lock is not taken while the model runs. A draft with errors answers 422 with its problems."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import func, select

from parcours_engine.persistence.models import Incident, Pathway
from tests.functional.conftest import World
from tests.functional.test_studio import REFERENCE, draft_url, post_json, save, start_draft

ZERO = "answers:\n  Diagnostic: {besoin_formation: false, diviseur: 0}\n"


def simulate(world: World, draft_id: int, body: dict[str, object], username: str = "coordination"):
    return post_json(world, username, draft_url(draft_id, "simuler"), body)


def counts(world: World) -> tuple[int, int]:
    with world.sessions() as session:
        return (
            session.scalar(select(func.count(Pathway.id))) or 0,
            session.scalar(select(func.count(Incident.id))) or 0,
        )


def test_answers_drawn_from_the_forms_run_the_draft_to_its_end_and_nothing_is_written(world: World):
    draft_id = start_draft(world)
    before = counts(world)
    response = simulate(world, draft_id, {"seed": 1})
    assert response.status_code == 200, response.get_data(as_text=True)
    run = response.get_json()["simulation"]
    assert (run["programme"], run["seed"], run["finished"]) == ("reference", 1, True)
    assert run["outcome_label"] in ("CDI", "Formation qualifiante", "Abandon")
    names = [step["name"] for step in run["steps"]]
    assert names[:3] == ["Repérage", "Accueil", "Diagnostic"]
    assert {"Attendre 7 jours", "Sortie", "Fin de parcours"} <= set(names)
    assert counts(world) == before


def test_a_pasted_scenario_reports_its_incident_at_the_element(world: World):
    draft_id = start_draft(world)
    response = simulate(world, draft_id, {"scenario": ZERO})
    body = response.get_json()
    assert response.status_code == 200 and body["ok"] is False
    (incident,) = body["simulation"]["incidents"]
    assert incident["element"] == "Script_calcul"
    assert incident["message"] == (
        "Le modèle a échoué à « Calculer l'échéance » (Script_calcul) : ligne 2 : division par zéro"
    )
    assert body["simulation"]["waiting"] == ["Diagnostic"]
    assert body["unmet"] == [
        "Fin attendue : le parcours attend encore à Diagnostic.",
        "0 incident(s) attendu(s), 1 survenu(s).",
    ]


def test_a_kept_scenario_is_offered_and_run_by_its_name_only(world: World, tmp_path: Path):
    kept = tmp_path / "scenarios" / "reference"
    kept.mkdir(parents=True)
    scenario = {
        "answers": {"Diagnostic": {"besoin_formation": False, "diviseur": 2}, "Sortie": {"issue": "abandon"}},
        "expect": {"outcome": "abandon", "path": ["Recherche d'emploi", "Attendre 7 jours"]},
    }
    (kept / "abandon.json").write_text(json.dumps(scenario), encoding="utf-8")
    world.app.config["SCENARIOS_DIR"] = str(tmp_path / "scenarios")
    draft_id = start_draft(world)
    page = world.client("coordination").get(draft_url(draft_id)).get_data(as_text=True)
    assert "<option>abandon.json</option>" in page

    body = simulate(world, draft_id, {"scenario_name": "abandon.json"}).get_json()
    assert (body["ok"], body["simulation"]["outcome"], body["unmet"]) == (True, "abandon", [])
    refused = simulate(world, draft_id, {"scenario_name": "../reference/abandon.json"})
    assert refused.status_code == 400
    assert refused.get_json()["code"] == "simulation.scenario_unknown"


def test_a_draft_with_errors_is_not_run(world: World):
    draft_id = start_draft(world)
    broken = REFERENCE.replace('calledElement="bloc_formation"', 'calledElement="bloc_inconnu"')
    assert save(world, draft_id, broken).status_code == 200
    response = simulate(world, draft_id, {})
    assert response.status_code == 422
    assert any("bloc_inconnu" in problem["text"] for problem in response.get_json()["problems"])


def test_a_scenario_that_cannot_be_read_is_a_400_naming_what_to_fix(world: World):
    draft_id = start_draft(world)
    response = simulate(world, draft_id, {"scenario": '{"reponses": {}}'})
    assert response.status_code == 400
    assert response.get_json()["message"].startswith("Le scénario scenario : clé « reponses » inconnue")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_simulation_runs_while_another_process_holds_the_write_lock(world: World, database_url: str):
    draft_id = start_draft(world)
    client = world.client("coordination")  # signed in before the lock is taken (signing in writes)
    token = client.token()
    holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # what a writer in another process holds
    try:
        response = client.raw.post(
            draft_url(draft_id, "simuler"), json={"seed": 0}, headers={"X-CSRFToken": token}
        )
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["simulation"]["finished"] is True
