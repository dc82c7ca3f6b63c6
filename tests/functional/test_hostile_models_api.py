"""A hostile model through the API: a clean 422 naming the incident (never a 500 or a traceback),
the pathway unchanged, and the server answering `/healthz` while a runaway script runs elsewhere."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from parcours_engine.engine import budgets
from parcours_engine.engine.budgets import Budgets
from parcours_engine.pathways import incidents
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.studio.publishing import publish_library
from tests.support.hostile import ACCUEIL, DIAGNOSTIC, reference_with
from tests.support.library import snapshot


@pytest.fixture(autouse=True)
def default_budgets() -> Iterator[None]:
    budgets.configure(Budgets())
    yield
    budgets.configure(None)


def _at_the_diagnostic(world, script: str) -> tuple[int, int]:
    with unit_of_work(world.sessions) as session:
        publish_library(session, world.clock, *reference_with(script), "test")
    pathway_id = world.start()
    world.complete(pathway_id, ACCUEIL)
    return pathway_id, world.open_item(pathway_id)


def test_a_hostile_script_is_a_422_with_its_incident_and_the_pathway_unchanged(world):
    pathway_id, item_id = _at_the_diagnostic(world, "x = 'a'.ljust(1500000000)\ny = sum([[0]] * 100000, [])")
    before = snapshot(world.sessions, pathway_id)
    response = world.api("conseiller").post(f"/work-items/{item_id}/complete", {"data": DIAGNOSTIC})
    assert response.status_code == 422, response.get_data(as_text=True)
    body = response.get_json()
    assert body["code"] == "pathway.transition_failed" and body["incident_id"]
    assert "Traceback" not in response.get_data(as_text=True)
    assert snapshot(world.sessions, pathway_id) == before
    with world.sessions() as session:
        (incident,) = incidents.open_incidents(session, pathway_id)
        assert incident.id == body["incident_id"] and incident.element_id == "Script_calcul"
        assert "over the size budget of 1,000,000 characters or items" in incident.message


def test_healthz_answers_while_a_runaway_script_runs_in_another_request(world):
    # A budget generous enough for the runaway to run for a while, as a slow deployment might set.
    budgets.configure(Budgets(script_ms=2_000, transition_ms=4_000, iterations=10_000_000))
    pathway_id, item_id = _at_the_diagnostic(world, "n = 0\nfor i in range(10000000):\n    n += i % 7")
    outcome: dict[str, object] = {}

    def runaway() -> None:
        started = time.monotonic()
        response = world.api("conseiller").post(f"/work-items/{item_id}/complete", {"data": DIAGNOSTIC})
        outcome.update(status=response.status_code, seconds=time.monotonic() - started)

    thread = threading.Thread(target=runaway)
    thread.start()
    time.sleep(0.3)  # the script is running now
    client = world.app.test_client()
    during = 0  # probes answered while the runaway was still running
    while thread.is_alive() and during < 10:
        assert client.get("/healthz").status_code == 200
        during += thread.is_alive()
        time.sleep(0.05)
    thread.join(timeout=30)
    assert outcome["status"] == 422, outcome
    assert 1.5 < float(outcome["seconds"]) < 10  # stopped by its time budget, not earlier, not never
    # Blocked behind the runaway, no probe would come back before it ended (no timing asserted: a
    # loaded CI machine may pause any thread for a while, but not answer while blocked).
    assert during >= 3, during
    with world.sessions() as session:
        (incident,) = incidents.open_incidents(session, pathway_id)
        assert "time budget of 2,000 ms per evaluation" in incident.message
