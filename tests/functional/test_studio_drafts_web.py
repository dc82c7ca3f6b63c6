"""Stored drafts in the studio's web editor: opening a programme resumes the coordinator's draft or lists
the open ones, saves carry the revision the page loaded (a stale one is a 409 naming who saved and
when, never an overwrite), the gates refuse unsafe models with the draft kept as it was, publishing
closes the draft, discarding deletes it; coordinators and admins only, CSRF required."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from parcours_engine.persistence.models.studio import ModelDraft
from tests.functional.conftest import World
from tests.functional.test_studio import (
    NEW_FORM,
    NEW_SCHEMA,
    REFERENCE,
    XXE_PROLOGUE,
    draft_url,
    post_json,
    save,
    start_draft,
    version_count,
    with_new_task,
)


def stored(world: World, draft_id: int) -> ModelDraft | None:
    with world.sessions() as session:
        draft = session.get(ModelDraft, draft_id)
        if draft is not None:
            session.expunge(draft)
        return draft


def revision_of(world: World, draft_id: int) -> int:
    draft = stored(world, draft_id)
    assert draft is not None, f"draft {draft_id} is gone"
    return draft.revision


def draft_count(world: World) -> int:
    with world.sessions() as session:
        return session.scalar(select(func.count()).select_from(ModelDraft)) or 0


def page(world: World, url: str, username: str = "coordination") -> str:
    response = world.client(username).get(url)
    assert response.status_code == 200, response.status_code
    return str(response.get_data(as_text=True))


def publish(world: World, draft_id: int, revision: int) -> Any:
    """Publish, confirmed (test_confirmations.py: without `confirm` nothing is published)."""
    body = {"revision": revision, "confirm": True}
    return post_json(world, "coordination", draft_url(draft_id, "publier"), body)


def discard(world: World, draft_id: int, revision: int | None, csrf: bool = True) -> Any:
    body = {"confirm": "1"} if revision is None else {"revision": revision, "confirm": "1"}
    return world.client("coordination").post(draft_url(draft_id, "abandonner"), body, csrf=csrf)


# -- opening a programme ------------------------------------------------------------------------------


def test_without_a_draft_of_their_own_a_coordinator_sees_the_open_drafts_and_may_start_one(world: World):
    listing = page(world, "/studio/reference")
    assert 'id="no-drafts"' in listing
    assert "Commencer un brouillon depuis la version 1" in listing

    world.clock.advance(hours=1)
    theirs = start_draft(world, "administrateur")
    listing = page(world, "/studio/reference")
    assert f'id="draft-{theirs}"' in listing
    assert "Administrateur, le 05/01/2026 10:00" in listing
    assert "par Administrateur le 05/01/2026 10:00" in listing  # the last save
    assert draft_url(theirs) in listing

    response = world.client("coordination").post("/studio/reference/brouillons")
    assert response.status_code == 303
    mine = int(response.headers["Location"].rsplit("/", 1)[1])
    assert mine != theirs
    assert 'data-revision="1"' in page(world, draft_url(mine))


def test_opening_a_programme_resumes_the_coordinators_last_saved_draft(world: World):
    first = start_draft(world)
    world.clock.advance(minutes=5)
    second = start_draft(world)
    world.clock.advance(minutes=5)
    assert save(world, first, with_new_task()).status_code == 200  # saved last: resumed
    start_draft(world, "administrateur")  # someone else's draft is not resumed
    response = world.client("coordination").get("/studio/reference")
    assert response.status_code == 303
    assert response.headers["Location"].endswith(draft_url(first))
    assert second != first


def test_a_draft_is_only_reached_through_its_own_programme(world: World):
    draft_id = start_draft(world)
    assert world.client("coordination").get(f"/studio/autre/brouillons/{draft_id}").status_code == 404
    assert world.client("coordination").get(draft_url(draft_id + 100)).status_code == 404


def test_the_editor_warns_when_a_version_was_published_since_the_draft_started(world: World):
    older = start_draft(world, "administrateur")
    newer = start_draft(world)
    assert save(world, newer, with_new_task(form=NEW_FORM), {NEW_FORM: NEW_SCHEMA}).status_code == 200
    assert publish(world, newer, revision_of(world, newer)).status_code == 200
    assert "La version 2 a été publiée depuis le début de ce brouillon" in page(world, draft_url(older))


# -- saving ----------------------------------------------------------------------------------------


def test_a_save_stores_the_model_and_the_edited_forms_and_a_reload_finds_them(world: World):
    draft_id = start_draft(world)
    world.clock.advance(minutes=30)
    response = save(world, draft_id, with_new_task(form=NEW_FORM), {NEW_FORM: NEW_SCHEMA})
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["ok"] and body["revision"] > 1
    assert (body["saved_by"], body["saved_at"]) == ("Coordination", "05/01/2026 09:30")

    reloaded = page(world, draft_url(draft_id))
    assert "Task_nouveau" in reloaded
    assert f'data-name="{NEW_FORM}"' in reloaded
    assert f'data-revision="{body["revision"]}"' in reloaded
    assert "enregistré par Coordination le 05/01/2026 09:30" in reloaded
    assert version_count(world) == 1  # saving publishes nothing


def test_a_save_from_a_stale_page_is_a_409_naming_who_saved_and_when(world: World):
    draft_id = start_draft(world)
    world.clock.advance(minutes=10)
    assert save(world, draft_id, with_new_task(), username="administrateur").status_code == 200

    response = save(world, draft_id, REFERENCE.replace("Fin de parcours", "Fin écrasée"), revision=1)
    body = response.get_json()
    assert response.status_code == 409
    assert body["conflict"]["saved_by"] == "Administrateur"
    assert body["conflict"]["saved_at"] == "05/01/2026 09:10"
    assert "Administrateur a enregistré ce brouillon le 05/01/2026 09:10" in body["message"]
    draft = stored(world, draft_id)
    assert draft is not None and draft.revision == body["conflict"]["revision"]
    assert "Task_nouveau" in draft.files_json and "Fin écrasée" not in draft.files_json


def test_saves_chain_on_the_revision_each_one_returns(world: World):
    draft_id = start_draft(world)
    first = save(world, draft_id, with_new_task()).get_json()
    second = save(world, draft_id, with_new_task(form=NEW_FORM), {NEW_FORM: NEW_SCHEMA}, first["revision"])
    assert second.status_code == 200
    assert second.get_json()["revision"] > first["revision"]


@pytest.mark.parametrize(
    ("xml", "message"),
    [
        ("ceci n'est pas du XML", "XML mal formé"),
        (XXE_PROLOGUE + REFERENCE.split("\n", 1)[1], "DOCTYPE et entités ne sont pas admis"),
        (REFERENCE.replace("echeance = iso(", "import os\necheance = iso(", 1), "import"),
    ],
    ids=["not-xml", "doctype", "forbidden-script"],
)
def test_an_unsafe_model_is_refused_by_the_gate_and_the_draft_keeps_its_work(
    world: World, xml: str, message: str
):
    draft_id = start_draft(world)
    kept = save(world, draft_id, with_new_task()).get_json()["revision"]
    response = save(world, draft_id, xml, {NEW_FORM: NEW_SCHEMA}, kept)
    body = response.get_json()
    assert response.status_code == 422
    assert body["ok"] is False
    assert any(message in problem["message"] for problem in body["problems"]), body
    assert all(problem["file"] == "reference.bpmn" for problem in body["problems"])
    draft = stored(world, draft_id)
    assert draft is not None and draft.revision == kept
    assert "Task_nouveau" in draft.files_json and NEW_FORM not in draft.forms_json


def test_a_refused_form_rolls_back_the_whole_save(world: World):
    draft_id = start_draft(world)
    response = save(world, draft_id, with_new_task(), {"../dehors.json": "{}"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["code"] == "studio.form_name" and "« ../dehors.json » ne convient pas" in body["message"]
    assert [error["code"] for error in body["field_errors"]["form"]] == ["studio.form_name"]
    draft = stored(world, draft_id)
    assert draft is not None and draft.revision == 1 and "Task_nouveau" not in draft.files_json


@pytest.mark.parametrize(
    "body",
    [{"xml": REFERENCE}, {"revision": "1", "xml": REFERENCE}, {"revision": 1}, {"revision": 1, "xml": 3}],
    ids=["no-revision", "text-revision", "no-xml", "xml-not-text"],
)
def test_a_save_without_a_revision_or_a_model_is_refused(world: World, body: dict[str, Any]):
    draft_id = start_draft(world)
    response = post_json(world, "coordination", draft_url(draft_id, "enregistrer"), body)
    assert response.status_code == 400
    assert "message" in response.get_json()
    assert revision_of(world, draft_id) == 1


def test_saving_a_draft_that_was_published_or_discarded_is_a_404(world: World):
    draft_id = start_draft(world)
    assert discard(world, draft_id, 1).status_code == 303
    response = save(world, draft_id, REFERENCE)
    assert response.status_code == 404
    assert "message" in response.get_json()


# -- publishing and discarding ------------------------------------------------------------------------


def test_publishing_the_draft_makes_version_two_and_closes_the_draft(world: World):
    draft_id = start_draft(world)
    revision = save(world, draft_id, with_new_task(form=NEW_FORM), {NEW_FORM: NEW_SCHEMA}).get_json()[
        "revision"
    ]
    response = publish(world, draft_id, revision)
    body = response.get_json()
    assert response.status_code == 200, body
    assert (body["version"], body["redirect"]) == (2, "/studio/reference/versions?publiee=2")
    assert stored(world, draft_id) is None
    assert world.client("coordination").get(draft_url(draft_id)).status_code == 404
    assert 'id="no-drafts"' in page(world, "/studio/reference")  # nothing left to resume


def test_publishing_a_draft_with_an_error_keeps_the_draft(world: World):
    draft_id = start_draft(world)
    revision = save(world, draft_id, with_new_task()).get_json()["revision"]
    response = publish(world, draft_id, revision)
    assert response.status_code == 422
    assert [p["element"] for p in response.get_json()["problems"] if p["severity"] == "error"] == [
        "Task_nouveau"
    ]
    assert version_count(world) == 1 and stored(world, draft_id) is not None


def test_publishing_from_a_stale_page_is_a_409_and_publishes_nothing(world: World):
    draft_id = start_draft(world)
    assert save(world, draft_id, with_new_task(), username="administrateur").status_code == 200
    response = publish(world, draft_id, 1)
    assert response.status_code == 409
    assert "Administrateur" in response.get_json()["message"]
    assert version_count(world) == 1 and stored(world, draft_id) is not None


def test_discarding_deletes_the_draft_and_says_so(world: World):
    draft_id = start_draft(world)
    response = discard(world, draft_id, 1)
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/studio/reference/brouillons?abandonne=1")
    assert "Brouillon abandonné." in page(world, response.headers["Location"])
    assert stored(world, draft_id) is None and version_count(world) == 1


def test_discarding_someone_elses_newer_save_is_refused(world: World):
    draft_id = start_draft(world)
    assert save(world, draft_id, with_new_task(), username="administrateur").status_code == 200
    assert discard(world, draft_id, 1).status_code == 409
    assert discard(world, draft_id, None).status_code == 400  # the page always says what it saw
    assert stored(world, draft_id) is not None


# -- who may, and CSRF -------------------------------------------------------------------------------


@pytest.mark.parametrize("username", ["conseiller", "superviseur"])
def test_only_coordinators_and_admins_may_save_publish_or_discard(world: World, username: str):
    draft_id = start_draft(world)
    for action, body in (
        ("enregistrer", {"revision": 1, "xml": with_new_task()}),
        ("publier", {"revision": 1}),
        ("verifier", {}),
    ):
        response = post_json(world, username, draft_url(draft_id, action), body)
        assert response.status_code == 403
        assert "message" in response.get_json()  # a JSON call gets a JSON answer
    assert world.client(username).post(draft_url(draft_id, "abandonner"), {"revision": 1}).status_code == 403
    assert world.client(username).get("/studio/reference").status_code == 403
    draft = stored(world, draft_id)
    assert draft is not None and draft.revision == 1 and version_count(world) == 1


def test_every_write_needs_the_csrf_token(world: World):
    draft_id = start_draft(world)
    client = world.client("coordination")
    for action, body in (
        ("enregistrer", {"revision": 1, "xml": with_new_task()}),
        ("publier", {"revision": 1}),
    ):
        response = client.raw.post(draft_url(draft_id, action), json=body)
        assert response.status_code == 400
        assert response.get_json()["code"] == "error.csrf"
    assert client.post("/studio/reference/brouillons", csrf=False).status_code == 400
    assert discard(world, draft_id, 1, csrf=False).status_code == 400
    assert draft_count(world) == 1 and revision_of(world, draft_id) == 1
