"""A transition reuses the workflow this process saved last, never a stale or half-advanced one
(engine.live, issue 16); on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from parcours_engine.domain.enums import WorkItemStatus
from parcours_engine.domain.errors import TransitionFailed
from parcours_engine.engine import live
from parcours_engine.engine.runtime import Runtime
from parcours_engine.persistence.models import Pathway, WaitingElement, WorkItem
from tests.support.library import complete_open, publish_fixture, snapshot, start

ACCUEIL = {"date_accueil": "2026-01-06", "orientation": "interne"}
DIAGNOSTIC = {"besoin_formation": True, "diviseur": 2}
FORMATION = {"date_entretien": "2026-01-06"}


@pytest.fixture
def loads(monkeypatch):
    """How many times a workflow is rebuilt from its saved state."""
    counted = []
    load = Runtime.load

    def counting(self, *args):
        counted.append(args)
        return load(self, *args)

    monkeypatch.setattr(Runtime, "load", counting)
    return counted


def current(sessions, pathway_id):
    """Where the pathway waits, once its projection rows are checked against it: the waiting elements
    and the open work items (written from what the previous transition's save left, engine.live)."""
    with sessions() as session:
        elements = session.get(Pathway, pathway_id).current_elements
        waits = session.scalars(
            select(WaitingElement.element_id).where(WaitingElement.pathway_id == pathway_id)
        )
        assert ",".join(sorted(waits)) == elements
        open_items = select(WorkItem.element_id).where(
            WorkItem.pathway_id == pathway_id, WorkItem.status == WorkItemStatus.OPEN
        )
        assert set(session.scalars(open_items)) == set(elements.split(",")) - {"Call_formation"}
        return elements


def test_transitions_of_one_process_do_not_rebuild_the_workflow(sessions, clock, loads):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    complete_open(sessions, clock, pathway_id, ACCUEIL)
    complete_open(sessions, clock, pathway_id, DIAGNOSTIC)
    assert current(sessions, pathway_id) == "Call_formation,Task_suivre_formation"
    complete_open(sessions, clock, pathway_id, FORMATION)
    assert current(sessions, pathway_id) == "Task_bilan"
    assert loads == []


def test_a_state_another_process_wrote_is_loaded_not_the_workflow_kept(sessions, clock, loads, monkeypatch):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    complete_open(sessions, clock, pathway_id, ACCUEIL)  # this process keeps the workflow at the diagnostic
    ours = live.WORKFLOWS
    monkeypatch.setattr(live, "WORKFLOWS", live.LiveWorkflows())  # another process, its own workflows
    complete_open(sessions, clock, pathway_id, DIAGNOSTIC)
    monkeypatch.setattr(live, "WORKFLOWS", ours)

    complete_open(sessions, clock, pathway_id, FORMATION)  # on the state the other process wrote
    assert current(sessions, pathway_id) == "Task_bilan"
    assert len(loads) == 2  # the other process's, and ours after it


def test_a_failed_transition_leaves_no_workflow_behind(sessions, clock, loads):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    complete_open(sessions, clock, pathway_id, ACCUEIL)
    before = snapshot(sessions, pathway_id)

    # diviseur=0 makes the script task after the diagnostic divide by zero, half-way through.
    with pytest.raises(TransitionFailed):
        complete_open(sessions, clock, pathway_id, {"besoin_formation": False, "diviseur": 0})
    assert pathway_id not in live.WORKFLOWS
    assert snapshot(sessions, pathway_id) == before

    complete_open(sessions, clock, pathway_id, DIAGNOSTIC)  # from the state as it was
    assert current(sessions, pathway_id) == "Call_formation,Task_suivre_formation"
    assert len(loads) == 1
