"""The counsellors' pages through the test client: inbox, tasks, pathway, people, access, exit."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from parcours_engine.persistence.models import AccessLog, Pathway, WorkItem
from tests.functional.conftest import ACCUEIL


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_inbox_shows_my_tasks_and_my_teams_unclaimed_ones_with_matching_counters(world):
    first = world.start(last_name="Alpha")
    world.start(last_name="Beta")
    world.clock.advance(days=3)  # the accueil tasks (due in 2 days) are now overdue
    page = _text(world.client("accueil").get("/taches"))
    assert "ALPHA" in page and "BETA" in page
    assert re.search(r'id="count-team">[^<]*<strong>2</strong>', page)
    assert re.search(r'id="count-overdue">[^<]*<strong>2</strong>', page)
    assert page.count('class="overdue"') == 2
    # The referent's team sees nothing yet: the accueil tasks are not theirs.
    assert "ALPHA" not in _text(world.client("conseiller").get("/taches"))
    # Claiming moves the task from the team list to mine; the counters follow.
    client = world.client("accueil")
    item_id = world.open_item(first)
    assert client.post(f"/taches/{item_id}/prendre").status_code == 303
    page = _text(client.get("/taches"))
    assert re.search(r'id="count-mine">[^<]*<strong>1</strong>', page)
    assert re.search(r'id="count-team">[^<]*<strong>1</strong>', page)
    assert "ALPHA" not in _text(world.client("accueil2").get("/taches"))
    assert client.post(f"/taches/{item_id}/rendre").status_code == 303
    assert "ALPHA" in _text(world.client("accueil2").get("/taches"))


def test_inbox_filters_by_due_date_and_programme(world):
    world.start(last_name="Alpha")
    client = world.client("accueil")
    assert "ALPHA" in _text(client.get("/taches?echeance=week"))
    assert "ALPHA" not in _text(client.get("/taches?echeance=overdue"))
    assert "ALPHA" not in _text(client.get("/taches?programme=autre"))
    partial = client.get("/taches?programme=reference", headers={"HX-Request": "true"})
    assert "ALPHA" in _text(partial) and "<html" not in _text(partial)


def test_claiming_a_task_someone_else_took_is_409(world):
    pathway_id = world.start()
    item_id = world.open_item(pathway_id)
    assert world.client("accueil").post(f"/taches/{item_id}/prendre").status_code == 303
    assert world.client("accueil2").post(f"/taches/{item_id}/prendre").status_code == 409


def test_claiming_goes_back_only_to_a_page_of_this_site(world):
    """The claim's `next` is followed only when it is a path of this site (no open redirect)."""
    pathway_id = world.start()
    client = world.client("accueil")
    foreign = (
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
        "javascript:alert(1)",
        "taches",
    )
    for target in foreign:
        item_id = world.open_item(pathway_id)
        answer = client.post(f"/taches/{item_id}/prendre", {"next": target})
        assert answer.status_code == 303
        assert answer.headers["Location"] == f"/taches/{item_id}", target
        assert client.post(f"/taches/{item_id}/rendre").status_code == 303
    item_id = world.open_item(pathway_id)
    answer = client.post(f"/taches/{item_id}/prendre", {"next": "/taches?echeance=week"})
    assert answer.headers["Location"] == "/taches?echeance=week"


def test_task_form_is_rendered_from_its_schema(world):
    pathway_id = world.start()
    page = _text(world.client("accueil").get(f"/taches/{world.open_item(pathway_id)}"))
    assert 'type="date"' in page and "Date de l&#39;accueil" in page
    assert 'type="radio" name="orientation" value="interne"' in page and "Service interne" in page


def test_completing_with_a_field_error_saves_nothing_and_shows_the_error_next_to_it(world):
    pathway_id = world.start()
    item_id = world.open_item(pathway_id)
    client = world.client("accueil")
    response = client.post(f"/taches/{item_id}", {"date_accueil": "2026-01-05", "orientation": ""})
    assert response.status_code == 400
    page = _text(response)
    assert "rien n'a été enregistré" in page.replace("&#39;", "'")
    assert re.search(r'id="f-orientation-error">.*?Erreur :</span> Champ obligatoire', page)
    with world.sessions() as session:
        assert session.get(WorkItem, item_id).status == "open"
    done = client.post(f"/taches/{item_id}", ACCUEIL)
    # Reception reads the pathway only while a task of its lane is open there: back to its tasks.
    assert done.status_code == 303 and done.headers["Location"].endswith(f"/taches?fait={item_id}")
    # The next task (diagnostic) is the referent's, and shows on the pathway page and their inbox.
    assert "Diagnostic" in _text(world.client("conseiller").get("/taches"))


def test_completing_a_task_someone_else_completed_first_is_409_already_done_by(world):
    pathway_id = world.start()
    item_id = world.open_item(pathway_id)
    late = world.client("accueil2")
    late.get(f"/taches/{item_id}")
    assert world.client("accueil").post(f"/taches/{item_id}", ACCUEIL).status_code == 303
    response = late.post(f"/taches/{item_id}", ACCUEIL)
    assert response.status_code == 409
    assert "déjà été faite par Accueil" in _text(response)


def test_a_task_the_system_completed_reads_automatique_never_a_technical_name(world):
    pathway_id = world.start()
    item_id = world.open_item(pathway_id)
    late = world.client("accueil2")
    late.get(f"/taches/{item_id}")
    world.complete(pathway_id, ACCUEIL, actor="cli")  # an incident retried from the command line
    response = late.post(f"/taches/{item_id}", ACCUEIL)
    assert response.status_code == 409
    assert "déjà été faite par Automatique" in _text(response) and "cli" not in _text(response)
    answer = world.api("accueil2").post(f"/work-items/{item_id}/complete", {"data": ACCUEIL})
    assert answer.status_code == 409 and answer.get_json()["code"] == "task.done_automatically"
    timeline = _text(world.client("conseiller").get(f"/parcours/{pathway_id}"))
    assert "<td>Automatique</td>" in timeline and "<td>cli</td>" not in timeline


def test_a_search_by_a_date_that_is_no_date_says_so_in_french(world):
    page = world.client("conseiller").get("/personnes?naissance=31/02/2006")
    assert page.status_code == 400
    assert "Saisissez une date (jj/mm/aaaa)." in _text(page) and "Personne ne correspond" not in _text(page)
    assert world.client("conseiller").get("/personnes?naissance=07/06/2005").status_code == 200


def test_diagnostic_form_uses_booleans_and_numbers(world):
    pathway_id = world.start()
    world.complete(pathway_id, ACCUEIL)
    client = world.client("conseiller")
    item_id = world.open_item(pathway_id)
    page = _text(client.get(f"/taches/{item_id}"))
    assert 'name="besoin_formation" value="true"' in page and 'type="number"' in page
    bad = client.post(f"/taches/{item_id}", {"besoin_formation": "false", "diviseur": "douze"})
    assert bad.status_code == 400 and "Saisissez un nombre" in _text(bad)
    too_big = client.post(f"/taches/{item_id}", {"besoin_formation": "false", "diviseur": "12"})
    assert too_big.status_code == 400 and "au plus 10" in _text(too_big)
    assert (
        client.post(f"/taches/{item_id}", {"besoin_formation": "false", "diviseur": "2"}).status_code == 303
    )


def test_pathway_page_shows_summary_tasks_timeline_and_serves_its_diagram(world):
    pathway_id = world.start(last_name="Alpha")
    client = world.client("conseiller")
    page = _text(client.get(f"/parcours/{pathway_id}"))
    assert "ALPHA" in page and "Accueil" in page and 'data-highlight="Task_accueil"' in page
    assert "Début du parcours" in page
    xml = client.get(f"/parcours/{pathway_id}/modele.bpmn")
    assert xml.status_code == 200 and xml.mimetype == "application/xml"
    assert b"Task_accueil" in xml.data


def test_need_to_know_403_for_others_404_for_nothing_and_every_read_is_logged(world):
    pathway_id = world.start()
    assert world.client("conseiller").get(f"/parcours/{pathway_id}").status_code == 200
    assert world.client("superviseur").get(f"/parcours/{pathway_id}").status_code == 200
    assert world.client("administrateur").get(f"/parcours/{pathway_id}").status_code == 200
    for outsider in ("ailleurs", "superviseur_sud", "coordination", "collegue"):
        assert world.client(outsider).get(f"/parcours/{pathway_id}").status_code == 403, outsider
        assert world.client(outsider).get(f"/parcours/{pathway_id}/modele.bpmn").status_code == 403
    assert world.client("conseiller").get("/parcours/999999").status_code == 404
    with world.sessions() as session:
        logged = session.scalars(select(AccessLog).where(AccessLog.pathway_id == pathway_id)).all()
        readers = {row.account_id for row in logged}
        assert readers == {world.ids["conseiller"], world.ids["superviseur"], world.ids["administrateur"]}
        assert all(row.action == "read" and row.route.startswith("GET /parcours/") for row in logged)


def test_people_create_search_start_and_see_pathways(world):
    client = world.client("conseiller")
    bad = client.post("/personnes/nouvelle", {"last_name": "Durand", "first_name": "", "birth_date": "x"})
    assert bad.status_code == 400 and "err-first_name" in _text(bad)
    created = client.post(
        "/personnes/nouvelle",
        {"last_name": "Durand", "first_name": "Nina", "birth_date": "2005-06-07", "sex": "F"},
    )
    assert created.status_code == 303
    person_url = created.headers["Location"]
    assert "DURAND" in _text(client.get("/personnes?nom=dur"))
    assert "DURAND" in _text(client.get("/personnes?naissance=2005-06-07"))
    assert "DURAND" not in _text(client.get("/personnes?naissance=2005-06-08"))
    assert "DURAND" not in _text(world.client("ailleurs").get("/personnes?nom=dur"))
    started = client.post(person_url + "/parcours", {"programme": "reference", "referent": "moi"})
    assert started.status_code == 303
    assert "reference" in _text(client.get(person_url))
    assert "DURAND" in _text(client.get("/file-active"))
    assert client.post(person_url + "/parcours", {"programme": "nope"}).status_code == 400
    person_id = int(person_url.rsplit("/", 1)[1])
    assert world.client("ailleurs").get(f"/personnes/{person_id}").status_code == 403
    assert client.get("/personnes/999999").status_code == 404
    assert world.client("coordination").post("/personnes/nouvelle", {}).status_code == 403


def test_exit_by_hand_ends_the_pathway_with_an_outcome_and_cancels_its_tasks(world):
    pathway_id = world.start()
    client = world.client("conseiller")
    assert client.post(f"/parcours/{pathway_id}/sortie", {"outcome": "inconnu"}).status_code == 400
    confirmed = {"outcome": "demenagement", "confirm": "1"}
    assert client.post(f"/parcours/{pathway_id}/sortie", confirmed).status_code == 303
    with world.sessions() as session:
        pathway = session.get(Pathway, pathway_id)
        assert (pathway.status, pathway.outcome) == ("completed", "demenagement")
        items = session.scalars(select(WorkItem).where(WorkItem.pathway_id == pathway_id)).all()
        assert {item.status for item in items} == {"cancelled"}
    assert client.post(f"/parcours/{pathway_id}/sortie", {"outcome": "cdi"}).status_code == 409


def test_pathway_lists_for_a_supervisor_cover_the_structure_only(world):
    world.start(last_name="Alpha")
    world.start(by="ailleurs", referent="ailleurs", last_name="Sudiste")
    page = _text(world.client("superviseur").get("/parcours?statut=active"))
    assert "ALPHA" in page and "SUDISTE" not in page
    assert "SUDISTE" in _text(world.client("superviseur_sud").get("/parcours"))
    world.clock.advance(timedelta(days=1))
    assert "ALPHA" in _text(world.client("conseiller").get("/file-active"))
