"""Pages offer only what the permission table lets the reader do (domain.permissions): no link or
button that would answer 403, and names rather than codes where a person reads them."""

from __future__ import annotations

from lxml import html

from parcours_engine.persistence.models import Pathway
from tests.functional.conftest import ACCUEIL
from tests.functional.test_studio_cli import changed_library
from tests.support.library import publish_fixture


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def test_the_header_links_only_to_the_pages_of_the_readers_role(world):
    supervisor = _text(world.client("superviseur").get("/supervision/"))
    assert 'href="/taches"' not in supervisor and 'href="/file-active"' not in supervisor
    assert 'href="/parcours"' in supervisor and 'id="dashboard-link"' in supervisor
    coordinator = _text(world.client("coordination").get("/studio"))
    for refused in ('href="/taches"', 'href="/file-active"', 'href="/parcours"', 'href="/personnes"'):
        assert refused not in coordinator
    assert 'id="studio-link"' in coordinator and 'id="admin-link"' not in coordinator
    reception = _text(world.client("accueil").get("/taches"))
    assert 'href="/taches"' in reception and 'href="/file-active"' not in reception  # never a referent
    assert 'id="dashboard-link"' not in reception and 'id="studio-link"' not in reception
    for client in (world.client("superviseur"), world.client("coordination")):
        assert client.get("/taches").status_code == 403  # what the header no longer offers


def test_the_person_page_offers_reception_neither_the_passport_nor_a_second_pathway(world):
    pathway_id = world.start(last_name="Offert")  # by reception, followed by `conseiller`
    with world.sessions() as session:
        person_id = session.get(Pathway, pathway_id).beneficiary_id
    reception = world.client("accueil")
    page = _text(reception.get(f"/personnes/{person_id}"))
    assert 'id="passport-link"' not in page and 'id="start-form"' not in page
    assert reception.get(f"/personnes/{person_id}/passeport").status_code == 403
    referent = _text(world.client("conseiller").get(f"/personnes/{person_id}"))
    assert 'id="passport-link"' in referent and 'id="start-form"' in referent
    assert "Parcours de référence" in referent  # the programme's name, not its code


def test_a_supervisor_reads_a_task_and_a_pathway_without_being_offered_to_act(world):
    pathway_id = world.start(last_name="Lecture")
    world.complete(pathway_id, ACCUEIL)
    supervisor = world.client("superviseur")
    page = _text(supervisor.get(f"/parcours/{pathway_id}"))
    assert 'id="transfer-form"' not in page and 'id="exit-form"' not in page
    task = _text(supervisor.get(f"/taches/{world.open_item(pathway_id)}"))
    assert "task-form" not in task and "consulter cette tâche, pas de la faire" in task


def test_lists_and_the_versions_page_name_things_rather_than_show_codes(world, tmp_path):
    pathway_id = world.start(last_name="Nommer")
    pathways_page = _text(world.client("superviseur").get("/parcours"))
    assert "Parcours de référence" in pathways_page and "Task_accueil" not in pathways_page
    inbox = _text(world.client("accueil").get("/taches"))
    assert "Parcours de référence" in inbox and f'data-item="{world.open_item(pathway_id)}"' in inbox
    publish_fixture(world.sessions, world.clock, changed_library(tmp_path))
    page = _text(world.client("coordination").get("/studio/reference/versions"))
    versions = " ".join(html.fromstring(page).get_element_by_id("diff").text_content().split())
    assert "Calculer l'échéance (script)" in versions and "Suivre le stage (nom)" in versions
    assert "bpmn_name" not in versions


def test_reception_is_sent_back_to_its_tasks_once_its_task_is_done_not_to_a_403(world):
    """Reception reads a pathway only while a task of its lane is open there (TEAM_LANE)."""
    pathway_id = world.start(last_name="Retour")
    reception = world.client("accueil")
    item_id = world.open_item(pathway_id)
    done = reception.post(f"/taches/{item_id}", ACCUEIL)
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/taches?fait={item_id}")
    assert 'id="notice"' in _text(reception.get(done.headers["Location"]))
    assert reception.get(f"/parcours/{pathway_id}").status_code == 403
    referent = world.client("conseiller")
    item_id = world.open_item(pathway_id)
    done = referent.post(f"/taches/{item_id}", {"besoin_formation": "false", "diviseur": "2"})
    assert done.headers["Location"].endswith(f"/parcours/{pathway_id}?fait={item_id}")
