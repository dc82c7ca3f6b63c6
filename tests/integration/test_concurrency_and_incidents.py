"""Two writers on one pathway; a script failing mid-transition; on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from parcours_engine.domain.errors import ConflictError, InvalidInput, TransitionFailed
from parcours_engine.pathways import incidents, pathways
from parcours_engine.persistence.models import Incident, Pathway, WorkItem
from parcours_engine.persistence.uow import unit_of_work
from tests.support.library import complete_open, open_item, publish_fixture, snapshot, start

ACCUEIL = {"date_accueil": "2026-01-06", "orientation": "interne"}


def test_second_of_two_concurrent_writers_gets_a_conflict(sessions, clock):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)

    # Writer B reads the pathway and its task on its own connection, before A writes.
    late = sessions()
    item_b = open_item(late, pathway_id)
    pathway_b = late.get(Pathway, pathway_id)
    assert pathway_b.version == 1

    complete_open(sessions, clock, pathway_id, ACCUEIL, actor="writer-a")  # A commits first

    with pytest.raises(ConflictError):
        pathways.complete_work_item(late, clock, item_b.id, ACCUEIL, "writer-b")
    late.rollback()
    late.close()

    with sessions() as session:
        pathway = session.get(Pathway, pathway_id)
        assert pathway.version == 2
        done = session.scalar(select(WorkItem).where(WorkItem.status == "completed"))
        assert done.completed_by == "writer-a"


def test_a_writer_that_read_the_old_state_is_refused_by_the_version_check(sessions, clock):
    """B loads the pathway and its engine state before A commits: B's transition runs on the old
    state, and only the pathway's version check stops it (one flush at the end of the use case)."""
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    late = sessions()
    item_b = open_item(late, pathway_id)
    pathway_b = late.get(Pathway, pathway_id)  # held: the session keeps only what is referenced
    assert pathway_b.state.state_json  # the old state, loaded now

    complete_open(sessions, clock, pathway_id, ACCUEIL, actor="writer-a")

    with pytest.raises(ConflictError) as refused:
        pathways.complete_work_item(late, clock, item_b.id, ACCUEIL, "writer-b")
    assert refused.value.code == "pathway.changed_meanwhile"
    late.rollback()
    late.close()
    with sessions() as session:
        assert session.get(Pathway, pathway_id).version == 2
        done = session.scalars(select(WorkItem).where(WorkItem.status == "completed")).all()
        assert [item.completed_by for item in done] == ["writer-a"]


def test_completing_a_task_already_done_names_who_did_it(sessions, clock):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    with sessions() as session:
        item_id = open_item(session, pathway_id).id
    complete_open(sessions, clock, pathway_id, ACCUEIL, actor="conseiller1")
    with pytest.raises(ConflictError, match="conseiller1"), unit_of_work(sessions) as session:
        pathways.complete_work_item(session, clock, item_id, ACCUEIL, "conseiller2")


def test_stale_expected_version_is_a_conflict(sessions, clock):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    with pytest.raises(ConflictError), unit_of_work(sessions) as session:
        item = open_item(session, pathway_id)
        pathways.complete_work_item(session, clock, item.id, ACCUEIL, "x", expected_version=7)


def test_invalid_form_data_saves_nothing(sessions, clock):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    before = snapshot(sessions, pathway_id)
    with pytest.raises(InvalidInput) as caught, unit_of_work(sessions) as session:
        item = open_item(session, pathway_id)
        pathways.complete_work_item(session, clock, item.id, {"orientation": "ailleurs", "x": 1}, "x")
    assert set(caught.value.field_errors) == {"date_accueil", "orientation", "__all__"}
    assert snapshot(sessions, pathway_id) == before


def test_script_error_rolls_back_and_records_a_retryable_incident(sessions, clock):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    complete_open(sessions, clock, pathway_id, ACCUEIL)
    before = snapshot(sessions, pathway_id)

    # diviseur=0 makes the script task after the diagnostic divide by zero.
    with pytest.raises(TransitionFailed) as caught:
        complete_open(sessions, clock, pathway_id, {"besoin_formation": False, "diviseur": 0})

    assert snapshot(sessions, pathway_id) == before  # exactly as it was
    with sessions() as session:
        (incident,) = incidents.open_incidents(session, pathway_id)
        assert incident.id == caught.value.incident_id
        assert incident.element_id == "Script_calcul"
        assert "division by zero" in incident.message
        assert incident.operation == "complete_task"

    with pytest.raises(TransitionFailed), unit_of_work(sessions) as session:
        incidents.retry(session, clock, incident.id, "coordination")
    with sessions() as session:
        assert session.get(Incident, incident.id).attempts == 2
    assert snapshot(sessions, pathway_id) == before
