"""A pathway from start to exit through the services, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from parcours_engine.pathways import timers
from parcours_engine.persistence.models import Pathway, PathwayEvent, WaitingElement, WorkItem
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.studio import versions
from tests.support.library import complete_open, publish_fixture, start


def test_walk_to_exit_keeps_projections_true(sessions, clock):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)

    with sessions() as session:
        pathway = session.get(Pathway, pathway_id)
        assert (pathway.status, pathway.current_elements) == ("active", "Task_accueil")
        assert pathway.idle_since == clock.now()  # no measure running or planned yet
        item = session.scalar(select(WorkItem).where(WorkItem.pathway_id == pathway_id))
        assert (item.lane, item.form, item.assignee_id) == ("accueil", "ref_accueil.schema.json", None)
        assert item.due_at == clock.now() + timedelta(days=2)

    clock.advance(days=1)
    complete_open(sessions, clock, pathway_id, {"date_accueil": "2026-01-06", "orientation": "interne"})
    clock.advance(days=1)
    pathway = complete_open(sessions, clock, pathway_id, {"besoin_formation": True, "diviseur": 2})
    assert pathway.current_elements == "Call_formation,Task_suivre_formation"
    assert pathway.idle_since is None  # the formation measure is running

    clock.advance(days=30)
    pathway = complete_open(sessions, clock, pathway_id, {"date_entretien": "2026-02-05"})
    assert pathway.idle_since == clock.now()  # the measure ended, nothing planned
    pathway = complete_open(sessions, clock, pathway_id, {"date_entretien": "2026-02-05"})
    assert pathway.current_elements == "Timer_attente"
    assert pathway.next_timer_due == clock.now() + timedelta(days=7)

    clock.advance(days=6)
    with unit_of_work(sessions) as session:
        assert timers.fire_one_due(session, clock) is None  # not due yet
    clock.advance(days=2)
    with unit_of_work(sessions) as session:
        assert timers.fire_one_due(session, clock) == pathway_id
    pathway = complete_open(sessions, clock, pathway_id, {"issue": "cdi"})

    assert (pathway.status, pathway.outcome, pathway.ended_at) == ("completed", "cdi", clock.now())
    with sessions() as session:
        assert (
            session.scalars(select(WaitingElement).where(WaitingElement.pathway_id == pathway_id)).all() == []
        )
        kinds = [e.kind for e in session.scalars(select(PathwayEvent).order_by(PathwayEvent.id))]
        assert kinds == ["started"] + ["task_completed"] * 4 + ["timer_fired", "task_completed", "completed"]
        statuses = {i.element_id: i.status for i in session.scalars(select(WorkItem))}
        assert set(statuses.values()) == {"completed"}
        event = session.scalar(select(PathwayEvent).where(PathwayEvent.kind == "completed"))
        assert json.loads(event.detail_json) == {"outcome": "cdi"}


def test_republishing_the_same_content_creates_no_version(sessions, clock):
    publish_fixture(sessions, clock)
    publish_fixture(sessions, clock)
    with sessions() as session:
        assert [(v.programme, v.version) for v in versions.history(session, "reference")] == [
            ("reference", 1)
        ]
