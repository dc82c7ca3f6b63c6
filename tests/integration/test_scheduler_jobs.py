"""The timer job fires every due pathway once, each in its own unit of work."""

from __future__ import annotations

from parcours_engine.persistence.models import Pathway
from parcours_engine.scheduler.jobs import fire_due_timers
from tests.support.library import complete_open, publish_fixture, start


def _to_timer(sessions, clock, pathway_id):
    complete_open(sessions, clock, pathway_id, {"date_accueil": "2026-01-06", "orientation": "interne"})
    complete_open(sessions, clock, pathway_id, {"besoin_formation": False, "diviseur": 1})
    complete_open(sessions, clock, pathway_id, {"date_entretien": "2026-01-06"})
    complete_open(sessions, clock, pathway_id, {"date_entretien": "2026-01-06"})


def test_job_fires_due_timers_once(sessions, clock):
    publish_fixture(sessions, clock)
    ids = [start(sessions, clock) for _ in range(3)]
    for pathway_id in ids[:2]:
        _to_timer(sessions, clock, pathway_id)
    clock.advance(days=8)
    assert fire_due_timers(sessions, clock) == (2, 0)
    assert fire_due_timers(sessions, clock) == (0, 0)
    with sessions() as session:
        positions = [session.get(Pathway, i).current_elements for i in ids]
    assert positions == ["Task_sortie", "Task_sortie", "Task_accueil"]
