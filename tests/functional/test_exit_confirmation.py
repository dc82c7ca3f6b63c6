"""Issue 15, point 1: an exit is never one click. No outcome is preselected, a submission without one is
refused at the field, a chosen outcome is shown for confirmation (person, programme, outcome, date)
and only the confirmed request ends the pathway. An exit recorded by mistake is corrected by a
supervisor of the structure (or an admin) with a reason and a date; the history keeps it and the
indicators count the corrected outcome."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import select

from parcours_engine.persistence.models import Pathway, PathwayEvent, WorkItem
from tests.functional.conftest import World


def _text(response) -> str:
    return response.get_data(as_text=True)


def _state(world: World, pathway_id: int) -> tuple[str, str | None, str | None]:
    with world.sessions() as session:
        pathway = session.get(Pathway, pathway_id)
        ended = pathway.ended_at.date().isoformat() if pathway.ended_at else None
        return pathway.status, pathway.outcome, ended


def _open_items(world: World, pathway_id: int) -> int:
    with world.sessions() as session:
        query = select(WorkItem).where(WorkItem.pathway_id == pathway_id, WorkItem.status == "open")
        return len(session.scalars(query).all())


def test_the_exit_form_preselects_no_outcome(world: World) -> None:
    pathway_id = world.start()
    page = _text(world.client("conseiller").get(f"/parcours/{pathway_id}"))
    form = page[page.index('id="exit-form"') :]
    select_html = form[: form.index("</select>")]
    selected = re.findall(r'<option value="([^"]*)"[^>]*\bselected\b', select_html)
    assert selected == [""]  # the placeholder only: the referent must choose


def test_an_exit_without_an_outcome_is_refused_at_the_field_and_changes_nothing(world: World) -> None:
    pathway_id = world.start()
    answer = world.client("conseiller").post(f"/parcours/{pathway_id}/sortie", {"confirm": "1"})
    assert answer.status_code == 400
    page = _text(answer)
    assert 'id="err-exit-outcome"' in page and "Champ obligatoire" in page
    assert 'aria-describedby="err-exit-outcome"' in page
    assert _state(world, pathway_id) == ("active", None, None)


def test_one_post_with_an_outcome_but_no_confirm_changes_nothing(world: World) -> None:
    pathway_id = world.start(last_name="Durand", first_name="Nina")
    open_before = _open_items(world, pathway_id)
    answer = world.client("conseiller").post(f"/parcours/{pathway_id}/sortie", {"outcome": "cdi"})
    assert answer.status_code == 200
    page = _text(answer)
    summary = page[page.index('id="exit-summary"') : page.index("</dl>", page.index('id="exit-summary"'))]
    assert "DURAND Nina" in summary and "CDI" in summary and "05/01/2026" in summary
    assert 'name="confirm" value="1"' in page and 'name="outcome" value="cdi"' in page
    assert _state(world, pathway_id) == ("active", None, None)
    assert _open_items(world, pathway_id) == open_before > 0


def test_the_confirmed_exit_ends_the_pathway(world: World) -> None:
    pathway_id = world.start()
    client = world.client("conseiller")
    answer = client.post(f"/parcours/{pathway_id}/sortie", {"outcome": "demenagement", "confirm": "1"})
    assert answer.status_code == 303
    assert _state(world, pathway_id) == ("completed", "demenagement", "2026-01-05")
    assert _open_items(world, pathway_id) == 0
    # Ended: neither a new summary nor a second exit.
    assert client.post(f"/parcours/{pathway_id}/sortie", {"outcome": "cdi"}).status_code == 409
    assert (
        client.post(f"/parcours/{pathway_id}/sortie", {"outcome": "cdi", "confirm": "1"}).status_code == 409
    )


def test_a_summary_is_refused_to_who_may_not_end_the_pathway(world: World) -> None:
    pathway_id = world.start()
    assert (
        world.client("collegue").post(f"/parcours/{pathway_id}/sortie", {"outcome": "cdi"}).status_code == 403
    )


def _ended(world: World, outcome: str = "cdi", after: timedelta = timedelta(0)) -> int:
    pathway_id = world.start()
    world.clock.advance(after)
    answer = world.client("conseiller").post(
        f"/parcours/{pathway_id}/sortie", {"outcome": outcome, "confirm": "1"}
    )
    assert answer.status_code == 303
    return pathway_id


def _figures(world: World) -> dict:
    body = world.api("superviseur").get("/indicators?programme=reference&from=2026-01-01&to=2026-12-31")
    assert body.status_code == 200
    (figures,) = body.get_json()["programmes"]
    return figures


def test_a_supervisor_corrects_an_exit_and_the_indicators_follow(world: World) -> None:
    pathway_id = _ended(world, "cdi", after=timedelta(days=2))  # started on the 5th, ended on the 7th
    assert _figures(world)["exits_by_outcome"] == {"cdi": 1}
    world.clock.advance(timedelta(days=3))
    supervisor = world.client("superviseur")
    page = _text(supervisor.get(f"/parcours/{pathway_id}"))
    assert 'id="correction-form"' in page
    correction = {"outcome": "demenagement", "reason": "erreur_saisie", "ended_on": "2026-01-06"}
    answer = supervisor.post(f"/parcours/{pathway_id}/sortie/correction", correction)
    assert answer.status_code == 303
    assert _state(world, pathway_id) == ("completed", "demenagement", "2026-01-06")
    figures = _figures(world)
    assert figures["exits_by_outcome"] == {"demenagement": 1}
    assert figures["durable_employment_exits"] == 0
    with world.sessions() as session:
        (event,) = session.scalars(
            select(PathwayEvent).where(
                PathwayEvent.pathway_id == pathway_id, PathwayEvent.kind == "exit_corrected"
            )
        ).all()
        assert event.actor == "superviseur" and event.at.date().isoformat() == "2026-01-10"
    page = _text(supervisor.get(f"/parcours/{pathway_id}"))
    kept = page[
        page.index('id="exit-corrections"') : page.index("</table>", page.index('id="exit-corrections"'))
    ]
    assert "CDI → Déménagement" in kept and "07/01/2026 → 06/01/2026" in kept
    assert "Erreur de saisie" in kept and "Superviseur" in kept
    assert "Sortie corrigée" in page  # a row of the history
    # The referent reads the correction too, but is not offered to correct.
    referent_page = _text(world.client("conseiller").get(f"/parcours/{pathway_id}"))
    assert 'id="exit-corrections"' in referent_page and 'id="correction-form"' not in referent_page


def test_a_correction_needs_a_reason_of_the_list_and_a_possible_date(world: World) -> None:
    pathway_id = _ended(world, "cdi")
    supervisor = world.client("superviseur")
    url = f"/parcours/{pathway_id}/sortie/correction"
    for sent, field in (
        ({"outcome": "abandon", "ended_on": "2026-01-05"}, "err-correction-reason"),
        ({"outcome": "abandon", "reason": "parce_que", "ended_on": "2026-01-05"}, "err-correction-reason"),
        ({"outcome": "abandon", "reason": "erreur_saisie", "ended_on": "2026-02-01"}, "err-correction-date"),
        ({"outcome": "abandon", "reason": "erreur_saisie", "ended_on": "2025-12-01"}, "err-correction-date"),
        ({"outcome": "", "reason": "erreur_saisie", "ended_on": "2026-01-05"}, "err-correction-outcome"),
        ({"outcome": "cdi", "reason": "erreur_saisie", "ended_on": "2026-01-05"}, "err-correction-outcome"),
    ):
        answer = supervisor.post(url, sent)
        assert answer.status_code == 400, sent
        page = _text(answer)
        assert f'id="{field}"' in page, sent
        if sent.get("reason"):
            assert f'value="{sent["reason"]}" selected' in page or sent["reason"] == "parce_que"
    assert _state(world, pathway_id) == ("completed", "cdi", "2026-01-05")


def test_only_a_supervisor_of_the_structure_or_an_admin_corrects_an_exit(world: World) -> None:
    pathway_id = _ended(world, "cdi")
    url = f"/parcours/{pathway_id}/sortie/correction"
    correction = {"outcome": "abandon", "reason": "erreur_saisie", "ended_on": "2026-01-05"}
    for username in ("conseiller", "collegue", "coordination", "superviseur_sud", "ailleurs"):
        assert world.client(username).post(url, correction).status_code in (403, 404), username
    assert _state(world, pathway_id)[1] == "cdi"
    assert world.client("administrateur").post(url, correction).status_code == 303
    assert _state(world, pathway_id)[1] == "abandon"


def test_an_active_pathway_has_no_exit_to_correct(world: World) -> None:
    pathway_id = world.start()
    correction = {"outcome": "abandon", "reason": "erreur_saisie", "ended_on": "2026-01-05"}
    answer = world.client("superviseur").post(f"/parcours/{pathway_id}/sortie/correction", correction)
    assert answer.status_code == 409
    assert _state(world, pathway_id) == ("active", None, None)
