"""A measure planned at a shipped programme's choice step keeps the pathway from being idle.

The six choice forms (`*_suite`) ask for the date of the next step; the host reads it under the
planned-measure key (domain.supervision.PLANNED_MEASURE_KEY, `date_prochaine_mesure` in
processes/README.md) into `pathway.measure_planned_until`. Before the forms and the host agreed on
the key, a planned training was never seen and the pathway was flagged as stalled.
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from parcours_engine.domain import supervision as rules
from parcours_engine.pathways import projection
from parcours_engine.persistence.models import IdlePeriod, Pathway, WaitingElement, WorkItem
from tests.conftest import REPO
from tests.integration.test_scenarios_civis import sign_civis
from tests.support.scenario import Scenario, publish_real_library, sqlite_only

CHOICE_FORMS = ("civis", "iej", "paje", "ppae", "rsa", "sas")


@pytest.mark.parametrize("programme", CHOICE_FORMS)
def test_each_choice_form_asks_the_date_under_the_key_the_host_reads(programme):
    schema = json.loads((REPO / "forms" / f"{programme}_suite.schema.json").read_text(encoding="utf-8"))
    dates = [name for name, spec in schema["properties"].items() if spec.get("format") == "date"]
    assert dates == [rules.PLANNED_MEASURE_KEY]


def _conditions(s: Scenario) -> set[str]:
    """The stall conditions that hold now (what the sweep flags and the stalled list shows)."""
    with s.sessions() as session:
        row = session.get(Pathway, s.id)
        assert row is not None
        items = list(
            session.scalars(select(WorkItem).where(WorkItem.pathway_id == s.id, WorkItem.status == "open"))
        )
        waits = list(session.scalars(select(WaitingElement).where(WaitingElement.pathway_id == s.id)))
        return {c.reason for c in projection.stall_conditions(row, items, waits, s.clock.now())}


def _idle_days(s: Scenario) -> list[float]:
    with s.sessions() as session:
        seconds = session.scalars(select(IdlePeriod.seconds).where(IdlePeriod.pathway_id == s.id))
        return [value / 86400 for value in seconds]


@sqlite_only
def test_a_training_planned_in_three_weeks_at_the_civis_choice_is_not_idle(sessions, clock, monkeypatch):
    publish_real_library(sessions, clock, monkeypatch)
    s = Scenario(sessions, clock, "civis", birth_date=date(2006, 3, 1))  # 19: the allowance is asked
    sign_civis(s)
    assert s.pathway.idle_since is not None  # signed, nothing planned yet
    s.advance(days=3)

    planned = s.today + timedelta(days=21)
    s.do(
        "Choisir la prochaine étape",
        {
            "prochaine_etape": "formation",
            "date_prochaine_mesure": planned.isoformat(),
            "periode_remuneree": False,
        },
    )
    # The pathway waits for the allowance decision, not in a measure: only the plan keeps it busy.
    s.expect_task("Statuer sur l'allocation CIVIS")
    with sessions() as session:
        row = session.get(Pathway, s.id)
        assert row is not None and row.measure_planned_until is not None
        assert row.measure_planned_until.date() in (planned, planned + timedelta(days=1))  # Paris midnight
    assert _idle_days(s) == [3.0]  # the dashboard's idle time: the plan ended the wait

    s.advance(days=32)  # 35 days since the signature: past CIVIS's 30 idle days, but planned
    assert _conditions(s) == {rules.TASK_OVERDUE}  # the decision is late; the pathway is not idle

    s.advance(days=25)  # the planned day + 30 days have passed and no measure started
    assert rules.IDLE_TOO_LONG in _conditions(s)
