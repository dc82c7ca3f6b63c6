"""The coordinator studio over HTTP: check a stored draft, publish it, refuse what the loader refuses
(nothing stored), compare versions, preview and run migrations (refusals left untouched), and 403 for
others. Resuming, saving, conflicts and discarding drafts: test_studio_drafts_web.py."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from lxml import html
from sqlalchemy import func, select

from parcours_engine.persistence.models import Pathway, PathwayEvent, ProcessVersion
from tests.functional.conftest import ACCUEIL, World
from tests.support.library import FIXTURE_LIBRARY, complete_open, snapshot

REFERENCE = (FIXTURE_LIBRARY / "processes" / "reference.bpmn").read_text()
NEW_FORM = "ref_nouveau.schema.json"
NEW_SCHEMA = json.dumps(
    {"title": "Nouvelle étape", "type": "object", "properties": {"fait": {"type": "boolean"}}}
)
FORM_PROPERTY = (
    '<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" '
    'value="{form}"/></spiffworkflow:properties></bpmn:extensionElements>'
)
XXE_PROLOGUE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE d [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
)


def with_new_task(xml: str = REFERENCE, form: str | None = None) -> str:
    """The reference model with a user task `Task_nouveau` between Task_sortie and the end."""
    props = FORM_PROPERTY.format(form=form) if form else ""
    task = (
        f'<bpmn:userTask id="Task_nouveau" name="Nouvelle étape">{props}<bpmn:incoming>Flow_10</bpmn:incoming>'
        "<bpmn:outgoing>Flow_11</bpmn:outgoing></bpmn:userTask>\n    "
    )
    edits = [
        ('<bpmn:endEvent id="End_ref"', task + '<bpmn:endEvent id="End_ref"'),
        (
            '<bpmn:endEvent id="End_ref" name="Fin de parcours"><bpmn:incoming>Flow_10',
            '<bpmn:endEvent id="End_ref" name="Fin de parcours"><bpmn:incoming>Flow_11',
        ),
        (
            'sourceRef="Task_sortie" targetRef="End_ref"></bpmn:sequenceFlow>',
            'sourceRef="Task_sortie" targetRef="Task_nouveau"></bpmn:sequenceFlow>\n    '
            '<bpmn:sequenceFlow id="Flow_11" sourceRef="Task_nouveau" targetRef="End_ref"></bpmn:sequenceFlow>',
        ),
        (
            "<bpmn:flowNodeRef>End_ref</bpmn:flowNodeRef>",
            "<bpmn:flowNodeRef>Task_nouveau</bpmn:flowNodeRef><bpmn:flowNodeRef>End_ref</bpmn:flowNodeRef>",
        ),
        (
            'bpmnElement="End_ref"><dc:Bounds x="1450"',
            'bpmnElement="End_ref"><dc:Bounds x="1600"',
        ),
        (
            '<bpmndi:BPMNEdge id="Flow_10_di"',
            '<bpmndi:BPMNShape id="Task_nouveau_di" bpmnElement="Task_nouveau"><dc:Bounds x="1450" y="260" '
            'width="100" height="80"/></bpmndi:BPMNShape>\n    <bpmndi:BPMNEdge id="Flow_11_di" '
            'bpmnElement="Flow_11"><di:waypoint x="1550" y="300"/><di:waypoint x="1600" y="300"/>'
            '</bpmndi:BPMNEdge>\n    <bpmndi:BPMNEdge id="Flow_10_di"',
        ),
    ]
    for old, new in edits:
        assert old in xml, old
        xml = xml.replace(old, new, 1)
    return xml


def without_bilan(xml: str = REFERENCE) -> str:
    """The reference model without its Bilan task: a pathway waiting there has no counterpart."""
    gone = ('id="Task_bilan"', 'id="Flow_8"', 'bpmnElement="Task_bilan"', 'bpmnElement="Flow_8"')
    text = "\n".join(line for line in xml.splitlines() if not any(mark in line for mark in gone))
    return (
        text.replace("<bpmn:flowNodeRef>Task_bilan</bpmn:flowNodeRef>", "")
        .replace('targetRef="Task_bilan"', 'targetRef="Timer_attente"')
        .replace("<bpmn:incoming>Flow_8</bpmn:incoming>", "<bpmn:incoming>Flow_7</bpmn:incoming>")
    )


def to_bilan(world: World, pathway_id: int) -> None:
    complete_open(world.sessions, world.clock, pathway_id, ACCUEIL)
    complete_open(world.sessions, world.clock, pathway_id, {"besoin_formation": False, "diviseur": 1})
    complete_open(world.sessions, world.clock, pathway_id, {"date_entretien": "2026-01-06"})


def post_json(world: World, username: str, url: str, body: dict[str, Any]) -> Any:
    client = world.client(username)
    return client.raw.post(url, json=body, headers={"X-CSRFToken": client.token()})


def draft_url(draft_id: int, action: str = "") -> str:
    return f"/studio/reference/brouillons/{draft_id}" + (f"/{action}" if action else "")


def start_draft(world: World, username: str = "coordination") -> int:
    """A new draft of `reference` from its newest version, started as the drafts page does."""
    response = world.client(username).post("/studio/reference/brouillons")
    assert response.status_code == 303, response.get_data(as_text=True)
    return int(response.headers["Location"].rsplit("/", 1)[1])


def save(
    world: World,
    draft_id: int,
    xml: str,
    forms: dict[str, str] | None = None,
    revision: int = 1,
    username: str = "coordination",
) -> Any:
    body = {"revision": revision, "xml": xml, "forms": forms or {}}
    return post_json(world, username, draft_url(draft_id, "enregistrer"), body)


def saved_draft(world: World, xml: str, forms: dict[str, str] | None = None) -> tuple[int, int]:
    """A new draft holding `xml` and `forms`: (its id, its revision)."""
    draft_id = start_draft(world)
    response = save(world, draft_id, xml, forms)
    assert response.status_code == 200, response.get_json()
    return draft_id, response.get_json()["revision"]


def check(world: World, xml: str, forms: dict[str, str] | None = None) -> Any:
    draft_id, _revision = saved_draft(world, xml, forms)
    return post_json(world, "coordination", draft_url(draft_id, "verifier"), {})


def version_count(world: World) -> int:
    with world.sessions() as session:
        return session.scalar(select(func.count()).select_from(ProcessVersion)) or 0


def listed(page: str, list_id: str) -> list[str]:
    """The identifiers one list of the versions page's diff holds (elements in `data-element`, never
    shown as text; forms by their file name)."""
    items = html.fromstring(page).xpath(f'//*[@id="{list_id}"]/li[not(contains(@class, "empty"))]')
    return [item.get("data-element") or item.findtext("code") for item in items]


def version_ids(world: World) -> list[int]:
    with world.sessions() as session:
        return list(session.scalars(select(ProcessVersion.id).order_by(ProcessVersion.version)))


def publish(world: World, xml: str, forms: dict[str, str] | None = None) -> Any:
    """Save `xml` and `forms` into a new draft, then publish it from the editor page."""
    draft_id, revision = saved_draft(world, xml, forms)
    body = {"revision": revision, "confirm": True}  # confirmed: test_confirmations.py for the summary
    return post_json(world, "coordination", draft_url(draft_id, "publier"), body)


def upload(world: World, draft_id: int, body: str, revision: int = 1) -> Any:
    return world.client("coordination").post(
        draft_url(draft_id, "import"),
        {"fichier": (io.BytesIO(body.encode()), "modele.bpmn"), "revision": revision},
        content_type="multipart/form-data",
    )


def version_of(world: World, pathway_id: int) -> int:
    with world.sessions() as session:
        pathway = session.get(Pathway, pathway_id)
        assert pathway is not None
        return pathway.process_version.version


def test_the_programme_list_shows_versions_with_their_publisher_and_open_drafts(world: World):
    start_draft(world)
    page = world.client("coordination").get("/studio").get_data(as_text=True)
    assert "Parcours de référence" in page
    assert "/studio/reference" in page
    assert ">test<" in page  # published_by of the fixture library
    assert "Brouillons (1)" in page


def test_the_editor_page_carries_the_drafts_model_its_forms_and_blocks(world: World):
    draft_id = start_draft(world)
    response = world.client("coordination").get(draft_url(draft_id))
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="model-xml"' in page and "Task_accueil" in page
    assert 'data-name="ref_accueil.schema.json"' in page
    assert 'data-revision="1"' in page
    assert f"{draft_url(draft_id)}/fichiers/blocs/formation.bpmn" in page
    block = world.client("coordination").get(f"{draft_url(draft_id)}/fichiers/blocs/formation.bpmn")
    assert block.status_code == 200 and "bloc_formation" in block.get_data(as_text=True)
    assert "attachment" in block.headers["Content-Disposition"]


def test_check_returns_each_problem_with_its_element_and_location(world: World):
    response = check(world, with_new_task())
    body = response.get_json()
    assert response.status_code == 200
    assert body["ok"] is False
    errors = [p for p in body["problems"] if p["severity"] == "error"]
    assert [p["element"] for p in errors] == ["Task_nouveau"]
    assert errors[0]["file"] == "reference.bpmn"
    assert errors[0]["cli"].startswith("reference.bpmn:") and ": Task_nouveau: " in errors[0]["cli"]
    # the studio says it in French, the element by its name (its id after it)
    assert errors[0]["text"].startswith("« Nouvelle étape » (Task_nouveau) : ")


def test_check_accepts_the_task_once_its_form_exists(world: World):
    body = check(world, with_new_task(form=NEW_FORM), {NEW_FORM: NEW_SCHEMA}).get_json()
    assert body["ok"] is True, body
    missing = check(world, with_new_task(form=NEW_FORM))
    assert missing.get_json()["ok"] is False  # the form is named but does not exist


def test_check_without_csrf_token_is_refused(world: World):
    draft_id = start_draft(world)
    response = world.client("coordination").raw.post(draft_url(draft_id, "verifier"), json={})
    assert response.status_code == 400


def test_publish_creates_version_two_and_new_pathways_start_on_it(world: World):
    old_pathway = world.start(last_name="Avant")
    response = publish(world, with_new_task(form=NEW_FORM), {NEW_FORM: NEW_SCHEMA})
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["ok"] and body["version"] == 2 and body["created"]
    assert body["redirect"].startswith("/studio/reference/versions")
    new_pathway = world.start(last_name="Apres")
    assert (version_of(world, old_pathway), version_of(world, new_pathway)) == (1, 2)
    with world.sessions() as session:
        stored = session.scalar(select(ProcessVersion).where(ProcessVersion.version == 2))
        assert stored is not None and stored.published_by == "coordination"
        assert NEW_FORM in json.loads(stored.forms_json)


def test_publish_is_refused_while_an_error_remains_and_no_version_is_stored(world: World):
    response = publish(world, with_new_task())
    assert response.status_code == 422
    assert [p["element"] for p in response.get_json()["problems"] if p["severity"] == "error"] == [
        "Task_nouveau"
    ]
    assert version_count(world) == 1


def test_publish_refuses_a_model_that_changes_the_process_id(world: World):
    renamed = REFERENCE.replace('process id="reference"', 'process id="autre"').replace(
        'bpmnElement="reference"', 'bpmnElement="autre"'
    )
    response = publish(world, renamed)
    assert response.status_code == 422
    assert "reference" in response.get_json()["problems"][0]["message"]
    assert version_count(world) == 1


def test_an_xxe_upload_is_refused_with_the_loaders_message_and_nothing_stored(world: World):
    body = XXE_PROLOGUE + REFERENCE.split("\n", 1)[1].replace('name="Accueil"', 'name="&e;"', 1)
    draft_id = start_draft(world)
    response = upload(world, draft_id, body)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "DOCTYPE et entités ne sont pas admis" in page
    assert "file:///etc/passwd" not in page and "&amp;e;" not in page
    assert 'data-revision="1"' in page  # the stored draft, unchanged
    assert version_count(world) == 1


def test_a_forbidden_script_upload_is_refused(world: World):
    body = REFERENCE.replace("echeance = iso(", "import os\necheance = iso(", 1)
    response = upload(world, start_draft(world), body)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'data-element="Script_calcul"' in page
    assert "import os" not in page
    assert version_count(world) == 1


def test_a_valid_upload_replaces_the_drafts_model_without_publishing_it(world: World):
    draft_id = start_draft(world)
    response = upload(world, draft_id, with_new_task(form="ref_suivi.schema.json"))
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{draft_url(draft_id)}?importe=1")
    page = world.client("coordination").get(response.headers["Location"]).get_data(as_text=True)
    assert "Task_nouveau" in page and "Fichier importé dans le brouillon." in page
    assert 'data-revision="2"' in page
    assert version_count(world) == 1


def test_an_upload_over_a_stale_revision_is_refused_and_says_who_saved(world: World):
    draft_id = start_draft(world)
    assert save(world, draft_id, REFERENCE, username="administrateur").status_code == 200
    response = upload(world, draft_id, with_new_task(form="ref_suivi.schema.json"), revision=1)
    page = response.get_data(as_text=True)
    assert response.status_code == 409
    assert "Administrateur a enregistré ce brouillon" in page
    assert "Task_nouveau" not in page


def test_the_versions_page_shows_the_diff_of_the_last_change(world: World):
    assert publish(world, with_new_task(form=NEW_FORM), {NEW_FORM: NEW_SCHEMA}).status_code == 200
    old_id, new_id = version_ids(world)
    page = world.client("coordination").get("/studio/reference/versions").get_data(as_text=True)
    assert (listed(page, "diff-added"), listed(page, "diff-removed")) == (["Task_nouveau"], [])
    assert listed(page, "diff-forms-added") == [NEW_FORM]
    diagram = html.fromstring(page).get_element_by_id("diagram")
    assert diagram.get("data-xml-url") == "/studio/reference/versions/2/modele.bpmn"
    assert {"element": "Task_nouveau", "className": "parcours-added"} in json.loads(
        diagram.get("data-markers")
    )
    explicit = world.client("coordination").get(
        f"/studio/reference/versions?ancienne={new_id}&nouvelle={old_id}"
    )
    assert listed(explicit.get_data(as_text=True), "diff-removed") == ["Task_nouveau"]
    assert listed(explicit.get_data(as_text=True), "diff-forms-removed") == [NEW_FORM]
    xml = world.client("coordination").get("/studio/reference/versions/2/modele.bpmn")
    assert xml.status_code == 200 and "Task_nouveau" in xml.get_data(as_text=True)


def strip_attributes(page: str) -> str:
    """The page's text content (ids in attributes, such as data-element, are not shown)."""
    return html.fromstring(page).text_content()


def test_migration_previews_then_migrates_and_refuses_what_has_no_counterpart(world: World):
    at_accueil = world.start(last_name="Accueil")
    at_bilan = world.start(last_name="Bilan")
    to_bilan(world, at_bilan)
    assert publish(world, without_bilan()).status_code == 200
    _v1, v2 = version_ids(world)
    client = world.client("coordination")
    listing = client.get(f"/studio/reference/migration?cible={v2}").get_data(as_text=True)
    assert f'value="{at_accueil}"' in listing and f'value="{at_bilan}"' in listing
    assert "Bilan" in listing and "Task_" not in strip_attributes(listing)  # steps by name
    preview = client.get(
        f"/studio/reference/migration?cible={v2}&parcours={at_accueil}&parcours={at_bilan}"
    ).get_data(as_text=True)
    assert "Accueil → Accueil" in preview
    assert "aucun équivalent pour Bilan" in preview
    assert "Task_" not in strip_attributes(preview)  # element ids are not shown as text
    assert version_of(world, at_accueil) == 1  # a preview changes nothing
    before = snapshot(world.sessions, at_bilan)
    confirmed = {"cible": v2, "parcours": [at_accueil, at_bilan], "confirm": "1"}
    response = client.post("/studio/reference/migration", confirmed)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "migré vers la version 2" in page and "aucun équivalent pour Bilan" in page
    assert (version_of(world, at_accueil), version_of(world, at_bilan)) == (2, 1)
    assert snapshot(world.sessions, at_bilan) == before  # refused: exactly as it was
    with world.sessions() as session:
        event = session.scalar(select(PathwayEvent).where(PathwayEvent.kind == "migrated"))
        assert event is not None and event.pathway_id == at_accueil


def test_migrating_nothing_is_refused(world: World):
    response = world.client("coordination").post(
        "/studio/reference/migration", {"cible": version_ids(world)[0]}
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/studio"),
        ("get", "/studio/reference"),
        ("get", "/studio/reference/brouillons"),
        ("post", "/studio/reference/brouillons"),
        ("get", "/studio/reference/brouillons/1"),
        ("post", "/studio/reference/brouillons/1/enregistrer"),
        ("post", "/studio/reference/brouillons/1/verifier"),
        ("post", "/studio/reference/brouillons/1/publier"),
        ("post", "/studio/reference/brouillons/1/import"),
        ("post", "/studio/reference/brouillons/1/abandonner"),
        ("get", "/studio/reference/brouillons/1/fichiers/reference.bpmn"),
        ("get", "/studio/reference/versions"),
        ("get", "/studio/reference/versions/1/modele.bpmn"),
        ("get", "/studio/reference/migration"),
        ("post", "/studio/reference/migration"),
        ("get", "/studio/static/studio.js"),
    ],
)
def test_a_counsellor_gets_403_on_every_studio_route(world: World, method: str, url: str):
    start_draft(world)  # draft 1 exists: the refusal is about the role, not a missing draft
    client = world.client("conseiller")
    response = client.get(url) if method == "get" else client.post(url, {"xml": REFERENCE})
    assert response.status_code == 403
    assert version_count(world) == 1


def test_an_admin_may_use_the_studio(world: World):
    assert world.client("administrateur").get("/studio/reference").status_code == 200
    draft_id = start_draft(world, "administrateur")
    assert world.client("administrateur").get(draft_url(draft_id)).status_code == 200


def test_the_header_leads_coordinators_to_the_studio_and_nobody_else(world: World):
    assert 'id="studio-link"' in world.client("coordination").get("/taches").get_data(as_text=True)
    assert 'id="studio-link"' not in world.client("conseiller").get("/taches").get_data(as_text=True)
