"""Referents: one active at a time with history, one transfer path, notifications, covers that end,
and assignment from a model's routing (`csp_affecte`)."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from parcours_engine.domain.errors import ConflictError
from parcours_engine.pathways import referents
from parcours_engine.persistence.models import Pathway, ReferentAssignment, WorkItem
from parcours_engine.persistence.uow import unit_of_work
from tests.functional.conftest import ACCUEIL
from tests.support.library import publish_fixture

ROUTING_LIBRARY = Path(__file__).parent / "routing_library"


def _assignments(world, pathway_id):
    with world.sessions() as session:
        rows = session.scalars(
            select(ReferentAssignment)
            .where(ReferentAssignment.pathway_id == pathway_id)
            .order_by(ReferentAssignment.id)
        )
        return [(r.account_id, r.kind, r.ended_at is None) for r in rows]


def test_transfer_by_hand_keeps_history_moves_tasks_and_notifies_both(world):
    pathway_id = world.start()
    world.complete(pathway_id, ACCUEIL)  # the diagnostic task now waits for the referent
    client = world.client("conseiller")
    response = client.post(f"/parcours/{pathway_id}/referent", {"referent": world.ids["collegue"]})
    assert response.status_code == 303
    conseiller, collegue = world.ids["conseiller"], world.ids["collegue"]
    assert _assignments(world, pathway_id) == [
        (conseiller, "permanent", False),
        (collegue, "permanent", True),
    ]
    with world.sessions() as session:
        item = session.scalar(select(WorkItem).where(WorkItem.status == "open"))
        assert item.assignee_id == collegue
    new = world.client("collegue")
    page = new.get("/notifications").get_data(as_text=True)
    assert "Vous êtes le nouveau référent" in page
    assert re.search(r'id="unread-count"[^>]*>1<', new.get("/taches").get_data(as_text=True))
    assert "Diagnostic" in new.get("/taches").get_data(as_text=True)
    assert "Confié à un autre référent (1 parcours)" in client.get("/notifications").get_data(as_text=True)
    new.post("/notifications/lues")
    assert re.search(r'id="unread-count"[^>]*>0<', new.get("/taches").get_data(as_text=True))
    # The previous referent has lost access; transferring to the current referent is refused.
    assert client.get(f"/parcours/{pathway_id}").status_code == 403
    assert new.post(f"/parcours/{pathway_id}/referent", {"referent": collegue}).status_code == 400
    assert new.post(f"/parcours/{pathway_id}/referent", {}).status_code == 400


def test_a_temporary_cover_ends_on_its_date_and_the_pathway_returns(world):
    pathway_id = world.start()
    client = world.client("conseiller")
    ends = (world.clock.now().date() + timedelta(days=10)).isoformat()
    response = client.post(
        f"/parcours/{pathway_id}/referent",
        {"referent": world.ids["collegue"], "kind": "temporary", "ends_on": ends},
    )
    assert response.status_code == 303
    world.clock.advance(days=10)
    with unit_of_work(world.sessions) as session:
        assert referents.end_expired_transfers(session, world.clock) == 0  # the last day of the cover
    world.clock.advance(days=1)
    with unit_of_work(world.sessions) as session:
        assert referents.end_expired_transfers(session, world.clock) == 1
    conseiller, collegue = world.ids["conseiller"], world.ids["collegue"]
    assert _assignments(world, pathway_id) == [
        (conseiller, "permanent", False),
        (collegue, "temporary", False),
        (conseiller, "permanent", True),
    ]
    client = world.client("conseiller")  # eleven days later: signed in again (sessions end when idle)
    assert "vous redevenez le référent (1 parcours)" in client.get("/notifications").get_data(as_text=True)
    with world.sessions() as session:
        assert session.get(Pathway, pathway_id).referent_id == conseiller


def test_a_temporary_transfer_needs_a_future_end_date(world):
    pathway_id = world.start()
    client = world.client("conseiller")
    past = {"referent": world.ids["collegue"], "kind": "temporary", "ends_on": "2020-01-01"}
    assert client.post(f"/parcours/{pathway_id}/referent", past).status_code == 400
    wrong = client.post(f"/parcours/{pathway_id}/referent", {**past, "ends_on": "demain"})
    assert wrong.status_code == 400
    assert 'id="err-transfer-ends-on">Saisissez une date (jj/mm/aaaa).' in wrong.get_data(as_text=True)


def test_a_temporary_transfer_without_an_end_date_says_in_french_that_it_is_required(world):
    pathway_id = world.start()
    client = world.client("conseiller")
    missing = {"referent": world.ids["collegue"], "kind": "temporary", "ends_on": ""}
    answer = client.post(f"/parcours/{pathway_id}/referent", missing)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "Le référent n'a pas été changé" in page.replace("&#39;", "'")
    assert 'id="err-transfer-ends-on">Un transfert temporaire a besoin d' in page  # next to the field
    shown = re.sub(r"<[^>]+>", " ", page)  # the text a person reads (the field's name is markup)
    assert "ends_on" not in shown and "invalid date" not in shown


def test_the_database_refuses_two_active_referents(world):
    pathway_id = world.start()
    with pytest.raises(ConflictError) as refused, unit_of_work(world.sessions) as session:
        session.add(
            ReferentAssignment(
                pathway_id=pathway_id,
                account_id=world.ids["collegue"],
                kind="permanent",
                started_at=world.clock.now(),
                assigned_by="test",
            )
        )
    assert isinstance(refused.value.__cause__, IntegrityError)  # the unit of work reports it as a race


def test_routing_assigns_the_referent_whose_routing_code_the_model_names(world):
    publish_fixture(world.sessions, world.clock, ROUTING_LIBRARY)
    mna = world.person(mna=True)
    other = world.person(mna=False)
    with unit_of_work(world.sessions) as session:
        from parcours_engine.pathways import pathways

        routed = pathways.start_pathway(session, world.clock, "routage", mna, "accueil").id
        unrouted = pathways.start_pathway(session, world.clock, "routage", other, "accueil").id
    with world.sessions() as session:
        assert session.get(Pathway, routed).referent_id == world.ids["conseiller"]  # csp_moulins
        assert session.get(Pathway, unrouted).referent_id is None  # nobody holds csp_departemental
        item = session.scalar(select(WorkItem).where(WorkItem.pathway_id == routed))
        assert item.assignee_id == world.ids["conseiller"]
    assert _assignments(world, routed) == [(world.ids["conseiller"], "permanent", True)]
