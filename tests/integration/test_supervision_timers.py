"""The RSA accompaniment's timers fired by the scheduler job on the injected clock.

The CER end reminder is a non-interrupting boundary timer one month before `date_fin_cer`: it opens
"Préparer le bilan du CER" for the referent while the steps go on. The 18-month limit is an
interrupting boundary timer on the whole accompaniment: it ends the pathway with `fin_suivi`.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from parcours_engine.domain.clock import FrozenClock
from parcours_engine.engine.loader import read_library_dir
from parcours_engine.pathways import beneficiaries, forms, models_cache, pathways
from parcours_engine.persistence.models import Pathway, WorkItem
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.scheduler.jobs import fire_due_timers
from parcours_engine.studio.publishing import publish_library
from parcours_engine.studio.sample_data import sample_form_data

REPO = Path(__file__).resolve().parents[2]
SIGNED = date(2026, 1, 5)
OVERRIDES = {"date_signature_cer": SIGNED.isoformat(), "duree_cer_mois": 6, "volontaire": True}


@pytest.fixture
def rsa_pathway(sessions):
    """An RSA pathway with a 6-month CER signed on 5 January 2026, at its first choice of step."""
    clock = FrozenClock(datetime(2026, 1, 5, 9, tzinfo=UTC))
    bpmn, form_files = read_library_dir(REPO / "processes", REPO / "forms")
    with unit_of_work(sessions) as session:
        publish_library(session, clock, bpmn, form_files, "test")
        person = beneficiaries.create_beneficiary(
            session, clock, last_name="Benali", first_name="Inès", birth_date=date(1990, 5, 1), sex="F"
        )
        pathway_id = pathways.start_pathway(session, clock, "rsa_accompagnement", person.id, "test").id
    rng = random.Random(1)
    for _ in range(20):
        with unit_of_work(sessions) as session:
            item = session.scalar(
                select(WorkItem).where(WorkItem.pathway_id == pathway_id, WorkItem.status == "open")
            )
            if item.element_id == "Task_choisir_etape":
                return clock, pathway_id
            model = models_cache.model_for(session.get(Pathway, pathway_id).process_version)
            schema = forms.schema(model, item.form)
            data = sample_form_data(schema, rng, clock.now().date())
            data.update({k: v for k, v in OVERRIDES.items() if k in schema["properties"]})
            pathways.complete_work_item(session, clock, item.id, data, "test")
    raise AssertionError("the pathway never reached the choice of step")


def _open_tasks(sessions, pathway_id):
    with sessions() as session:
        query = select(WorkItem.element_id).where(
            WorkItem.pathway_id == pathway_id, WorkItem.status == "open"
        )
        return sorted(session.scalars(query))


def test_the_cer_end_reminder_fires_one_month_before_the_end_while_the_steps_go_on(sessions, rsa_pathway):
    clock, pathway_id = rsa_pathway
    clock.set(datetime(2026, 6, 4, 22, 0, tzinfo=UTC))  # 5 June 2026 in Paris starts at 22:00 UTC
    assert fire_due_timers(sessions, clock) == (0, 0)  # a timer fires once its time has passed
    clock.set(datetime(2026, 6, 4, 22, 1, tzinfo=UTC))  # the next run of the job
    assert fire_due_timers(sessions, clock) == (1, 0)
    assert _open_tasks(sessions, pathway_id) == ["Task_choisir_etape", "Task_preparer_bilan_cer"]
    assert fire_due_timers(sessions, clock) == (0, 0)  # once
    clock.set(datetime(2026, 7, 5, 9, tzinfo=UTC))  # the CER's term: time to decide on its renewal
    assert fire_due_timers(sessions, clock) == (1, 0)
    assert "Task_renouveler_cer" in _open_tasks(sessions, pathway_id)


def test_the_18_month_limit_ends_the_pathway_with_end_of_follow_up(sessions, rsa_pathway):
    clock, pathway_id = rsa_pathway
    clock.set(datetime(2027, 7, 6, 9, tzinfo=UTC))  # the scheduler was also down at the CER's dates
    assert fire_due_timers(sessions, clock) == (1, 0)
    with sessions() as session:
        pathway = session.get(Pathway, pathway_id)
        assert (pathway.status, pathway.outcome, pathway.next_timer_due) == ("completed", "fin_suivi", None)
    assert _open_tasks(sessions, pathway_id) == []
