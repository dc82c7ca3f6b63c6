"""The one unit of work, seen from the web and the API: incidents on every path, no 500 under load.

Each test here reproduces a finding of issue 12: a failed transition completed in the browser or the
API recorded no incident; a model's data that broke the save (deep list, huge int) or an unresolvable
form `$ref` gave a 500 with a traceback; concurrent clients on SQLite got 500 "database is locked".
"""

from __future__ import annotations

import json
import shutil
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from parcours_engine.accounts import accounts
from parcours_engine.engine import budgets
from parcours_engine.engine.budgets import Budgets
from parcours_engine.persistence.models import Incident, ProcessVersion, Throttle
from parcours_engine.persistence.uow import unit_of_work
from tests.functional.conftest import ACCUEIL, World
from tests.support.library import FIXTURE_LIBRARY, publish_fixture, snapshot

# The reference model's script after the diagnostic, made hostile on demand by the form's `diviseur`.
HOSTILE_SCRIPT = """if diviseur == 1:
    profond = []
    for i in range(5000):
        profond = [profond]
if diviseur == 2:
    grand = 10 ** 8000
ratio = 10 / diviseur"""


@pytest.fixture
def hostile(world: World, tmp_path: Path) -> Iterator[World]:
    """A second version of `reference` whose script fails or poisons the save; time budgets generous
    enough that a loaded machine meets the depth and size budgets first."""
    root = tmp_path / "library"
    shutil.copytree(FIXTURE_LIBRARY, root)
    model = root / "processes" / "reference.bpmn"
    xml = model.read_text()
    model.write_text(xml.replace("ratio = 10 / diviseur", HOSTILE_SCRIPT))
    publish_fixture(world.sessions, world.clock, root)
    budgets.configure(Budgets(script_ms=20_000, transition_ms=40_000))
    yield world
    budgets.configure(None)


def _suivi_pointing_at_a_server_file(world: World) -> None:
    """The latest `reference` version as stored before publishing refused external `$ref`s (issue 13):
    its `ref_suivi` form points at a file of the server."""
    with unit_of_work(world.sessions) as session:
        version = session.scalars(
            select(ProcessVersion)
            .where(ProcessVersion.programme == "reference")
            .order_by(ProcessVersion.version.desc())
        ).first()
        assert version is not None
        forms = json.loads(version.forms_json)
        forms["ref_suivi.schema.json"] = forms["ref_suivi.schema.json"].replace(
            '"title": "Suivi",', '"title": "Suivi", "$ref": "file:///etc/passwd",'
        )
        version.forms_json = json.dumps(forms)
        version.content_hash = "0" * 64  # not the parsed model the publish left in the cache


def _at_diagnostic(world: World) -> tuple[int, int]:
    pathway_id = world.start()
    world.complete(pathway_id, ACCUEIL)
    return pathway_id, world.open_item(pathway_id)


def _incidents(world: World, pathway_id: int) -> list[Incident]:
    with world.sessions() as session:
        return list(session.scalars(select(Incident).where(Incident.pathway_id == pathway_id)))


@pytest.mark.parametrize(
    ("diviseur", "expected"),
    [(0, "division by zero"), (1, "over the depth budget"), (2, "more than 4,000 digits cannot be saved")],
    ids=["script-fails", "deep-list", "huge-int"],
)
def test_a_failed_transition_through_the_api_is_422_with_an_incident(hostile, diviseur, expected):
    pathway_id, item_id = _at_diagnostic(hostile)
    before = snapshot(hostile.sessions, pathway_id)
    answer = hostile.api("conseiller").post(
        f"/work-items/{item_id}/complete", {"data": {"besoin_formation": False, "diviseur": diviseur}}
    )
    assert answer.status_code == 422, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["code"] == "pathway.transition_failed" and "Traceback" not in body["message"]
    (incident,) = _incidents(hostile, pathway_id)
    assert body["incident_id"] == incident.id and expected in incident.message
    assert snapshot(hostile.sessions, pathway_id) == before  # exactly as it was


def test_a_failed_transition_in_the_browser_records_an_incident(hostile):
    pathway_id, item_id = _at_diagnostic(hostile)
    browser = hostile.client("conseiller")
    page = browser.post(f"/taches/{item_id}", {"besoin_formation": "false", "diviseur": "0"})
    assert page.status_code == 422
    (incident,) = _incidents(hostile, pathway_id)
    text = page.get_data(as_text=True)
    assert f"L&#39;incident n° {incident.id} a été signalé à la coordination" in text
    assert "division by zero" not in text and "Script_calcul" not in text  # the engine's words stay out
    assert incident.element_id == "Script_calcul" and incident.operation == "complete_task"


def test_an_unresolvable_form_ref_is_an_incident_not_a_500(hostile):
    _suivi_pointing_at_a_server_file(hostile)
    pathway_id, item_id = _at_diagnostic(hostile)
    api = hostile.api("conseiller")
    done = api.post(f"/work-items/{item_id}/complete", {"data": {"besoin_formation": False, "diviseur": 3}})
    assert done.status_code == 200, done.get_data(as_text=True)
    suivi = hostile.open_item(pathway_id)
    answer = api.post(f"/work-items/{suivi}/complete", {"data": {"date_entretien": "2026-01-06"}})
    assert answer.status_code == 422, answer.get_data(as_text=True)
    assert "root:" not in answer.get_data(as_text=True)  # nothing of /etc/passwd comes back
    (incident,) = _incidents(hostile, pathway_id)
    assert "ref_suivi.schema.json" in incident.message


# -- concurrent clients -----------------------------------------------------------------------------


def _burst(calls: list[Callable[[], Any]], threads: int = 4) -> Counter[int]:
    """Run the calls on `threads` threads at once; the status codes they got."""
    statuses: Counter[int] = Counter()
    lock = threading.Lock()
    pending = list(calls)
    start = threading.Barrier(threads)

    def worker() -> None:
        start.wait()
        while True:
            with lock:
                if not pending:
                    return
                call = pending.pop()
            response = call()
            with lock:
                statuses[response.status_code] += 1

    workers = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    return statuses


def test_four_clients_completing_thirty_tasks_get_no_500(world):
    items = []
    for _ in range(30):
        pathway_id = world.start()
        items.append(world.open_item(pathway_id))
    clients = [world.api("accueil") for _ in range(4)]
    calls = [
        (lambda item=item, api=clients[n % 4]: api.post(f"/work-items/{item}/complete", {"data": ACCUEIL}))
        for n, item in enumerate(items)
    ]
    statuses = _burst(calls)
    assert statuses == Counter({200: 30})


def test_two_completions_of_one_task_give_one_200_and_one_409(world):
    for _ in range(4):
        item = world.open_item(world.start())
        calls = [
            (
                lambda item=item, who=who: world.api(who).post(
                    f"/work-items/{item}/complete", {"data": ACCUEIL}
                )
            )
            for who in ("accueil", "accueil2")
        ]
        assert _burst(calls, threads=2) == Counter({200: 1, 409: 1})


def test_claims_and_completions_at_once_give_conflicts_never_500(world):
    items = [world.open_item(world.start()) for _ in range(8)]
    calls: list[Callable[[], Any]] = []
    for item in items:
        for who in ("accueil", "accueil2"):
            calls.append(lambda item=item, who=who: world.api(who).post(f"/work-items/{item}/claim"))
            calls.append(
                lambda item=item, who=who: world.api(who).post(
                    f"/work-items/{item}/complete", {"data": ACCUEIL}
                )
            )
    statuses = _burst(calls)
    assert set(statuses) <= {200, 403, 409}, statuses
    assert statuses[500] == 0


def test_reads_during_writes_never_fail(world):
    pathway_id = world.start()
    items = [world.open_item(world.start()) for _ in range(12)]
    reader = world.api("conseiller")
    calls: list[Callable[[], Any]] = [
        (lambda item=item: world.api("accueil").post(f"/work-items/{item}/complete", {"data": ACCUEIL}))
        for item in items
    ]
    calls += [lambda: reader.get(f"/pathways/{pathway_id}") for _ in range(24)]
    statuses = _burst(calls)
    assert statuses == Counter({200: 36})


def test_thirty_parallel_wrong_sign_ins_are_all_counted(world):
    calls = [
        (lambda: world.client().post("/connexion", {"username": "conseiller", "password": "wrong"}))
        for _ in range(30)
    ]
    statuses = _burst(calls)
    assert statuses[500] == 0, statuses
    with world.sessions() as session:
        by_username = select(func.sum(Throttle.failures)).where(Throttle.scope == accounts.BY_USERNAME.scope)
        counted = session.scalar(by_username)
    # Each attempt was either counted as a failure or refused because the account was locked.
    assert counted == accounts.MAX_FAILURES
    assert statuses[429] == 30 - accounts.MAX_FAILURES
