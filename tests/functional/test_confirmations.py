"""Issue 15, point 1: every irreversible action asks for confirmation with a summary. One request
without `confirm` changes nothing and answers the summary: publishing a draft, discarding it,
migrating pathways to a newer version, deactivating an account. (The exit: test_exit_confirmation.py.)"""

from __future__ import annotations

from sqlalchemy import select

from parcours_engine.persistence.models import Account
from tests.functional.conftest import World
from tests.functional.test_studio import (
    NEW_FORM,
    NEW_SCHEMA,
    draft_url,
    post_json,
    saved_draft,
    to_bilan,
    version_count,
    version_ids,
    version_of,
    with_new_task,
    without_bilan,
)
from tests.functional.test_studio import publish as publish_confirmed
from tests.functional.test_studio_drafts_web import draft_count


def _text(response) -> str:
    return response.get_data(as_text=True)


def test_publishing_without_confirm_answers_the_summary_and_publishes_nothing(world: World) -> None:
    world.start()  # a pathway running on version 1: it stays there
    draft_id, revision = saved_draft(world, with_new_task(form=NEW_FORM), {NEW_FORM: NEW_SCHEMA})
    url = draft_url(draft_id, "publier")
    answer = post_json(world, "coordination", url, {"revision": revision})
    assert answer.status_code == 200
    body = answer.get_json()
    assert body["ok"] is False and body["confirm"] is True
    assert body["summary"]["version"] == 2 and body["summary"]["running"] == 1
    assert "Nouvelle version : 2" in body["summary"]["lines"]
    assert version_count(world) == 1 and draft_count(world) == 1
    confirmed = post_json(world, "coordination", url, {"revision": revision, "confirm": True})
    assert confirmed.status_code == 200 and confirmed.get_json()["version"] == 2
    assert version_count(world) == 2 and draft_count(world) == 0


def test_a_summary_is_not_offered_for_a_draft_with_errors_or_seen_stale(world: World) -> None:
    draft_id, revision = saved_draft(world, with_new_task())  # a task without its form: an error
    url = draft_url(draft_id, "publier")
    refused = post_json(world, "coordination", url, {"revision": revision})
    assert refused.status_code == 422 and refused.get_json()["problems"]
    stale = post_json(world, "coordination", url, {"revision": revision - 1})
    assert stale.status_code == 409
    assert version_count(world) == 1


def test_discarding_without_confirm_shows_the_draft_and_keeps_it(world: World) -> None:
    draft_id, revision = saved_draft(world, with_new_task(form=NEW_FORM), {NEW_FORM: NEW_SCHEMA})
    client = world.client("coordination")
    answer = client.post(draft_url(draft_id, "abandonner"), {"revision": revision})
    assert answer.status_code == 200
    page = _text(answer)
    summary = page[
        page.index('id="discard-summary"') : page.index("</dl>", page.index('id="discard-summary"'))
    ]
    assert f"brouillon n° {draft_id}" in summary and "depuis la version 1" in summary
    assert "par coordination" in summary or "par Coordination" in summary
    assert 'name="confirm" value="1"' in page and f'name="revision" value="{revision}"' in page
    assert draft_count(world) == 1
    confirmed = client.post(draft_url(draft_id, "abandonner"), {"revision": revision, "confirm": "1"})
    assert confirmed.status_code == 303 and draft_count(world) == 0


def test_migrating_without_confirm_shows_the_preview_and_moves_nothing(world: World) -> None:
    at_accueil = world.start(last_name="Accueil")
    at_bilan = world.start(last_name="Bilan")
    to_bilan(world, at_bilan)
    assert publish_confirmed(world, without_bilan()).status_code == 200
    _v1, v2 = version_ids(world)
    client = world.client("coordination")
    chosen = {"cible": v2, "parcours": [at_accueil, at_bilan]}
    answer = client.post("/studio/reference/migration", chosen)
    assert answer.status_code == 200
    page = _text(answer)
    assert 'id="migrate-summary"' in page and "1 parcours passeront à la version 2" in page
    assert 'name="confirm" value="1"' in page and "migré vers la version" not in page
    assert (version_of(world, at_accueil), version_of(world, at_bilan)) == (1, 1)
    assert client.post("/studio/reference/migration", {**chosen, "confirm": "1"}).status_code == 200
    assert (version_of(world, at_accueil), version_of(world, at_bilan)) == (2, 1)


def _active(world: World, username: str) -> bool:
    with world.sessions() as session:
        return bool(session.scalar(select(Account.active).where(Account.username == username)))


def test_deactivating_without_confirm_shows_the_account_and_changes_nothing(world: World) -> None:
    world.start()  # conseiller is the referent of one running pathway
    admin = world.client("administrateur")
    target = world.ids["conseiller"]
    answer = admin.post(f"/admin/comptes/{target}/desactiver")
    assert answer.status_code == 200
    page = _text(answer)
    summary = page[
        page.index('id="deactivate-summary"') : page.index("</dl>", page.index('id="deactivate-summary"'))
    ]
    assert "Conseiller (conseiller)" in summary and "ML_NORD" in summary
    assert 'id="deactivate-pathways">1<' in summary
    assert 'name="confirm" value="1"' in page
    assert _active(world, "conseiller")
    assert world.api("conseiller").get("/work-items").status_code == 200  # its token still works
    assert admin.post(f"/admin/comptes/{target}/desactiver", {"confirm": "1"}).status_code == 303
    assert not _active(world, "conseiller")


def test_deactivating_oneself_is_refused_at_the_first_step(world: World) -> None:
    admin = world.client("administrateur")
    refused = admin.post(f"/admin/comptes/{world.ids['administrateur']}/desactiver")
    assert refused.status_code == 400 and 'id="err-active"' in _text(refused)
    assert _active(world, "administrateur")
