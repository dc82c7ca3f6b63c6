"""Contrats Sociaux Jeunes (seed 003) through the services: commission accepted and refused.

Ten days of volunteering refused once by the commission, a new period, then accepted, runs on SQLite
and PostgreSQL; the refusal followed by an exit, the period that never started and the
not-eligible exits run on SQLite only, to keep the scenario suite fast.
"""

from __future__ import annotations

from datetime import date

import pytest

from parcours_engine.domain.errors import InvalidInput
from tests.support.scenario import Scenario, publish_real_library, sqlite_only
from tests.support.scenario_blocks import sortie, volontariat

PRIORITY_YOUTH = {"birth_date": date(2006, 2, 1), "priority_district": True}  # 19 at entry


@pytest.fixture
def start(sessions, clock, monkeypatch):
    publish_real_library(sessions, clock, monkeypatch)
    return lambda **person: Scenario(sessions, clock, "csj", **{**PRIORITY_YOUTH, **person})


def enrol(s: Scenario) -> None:
    s.do(
        "Inscrire le jeune au Contrat Social Jeune",
        {"date_inscription": s.day(), "projet_secteur": "K", "engagement": True},
        lane="referent",
        form="csj_inscription.schema.json",
    )


def present(s: Scenario) -> None:
    s.do(
        "Présenter le CSJ à la commission",
        {"date_commission": s.day(14), "avis_referent": "favorable"},
        lane="referent",
        form="csj_presentation.schema.json",
    )
    s.advance(days=14)


def decide(s: Scenario, decision: str, **extra: str) -> None:
    s.do(
        "Statuer sur le Contrat Social Jeune",
        {"decision_commission": decision, "date_decision": s.day(), **extra},
        lane="commission",
        form="csj_decision.schema.json",
    )


def test_refused_then_a_new_period_then_accepted_by_the_commission(start):
    s = start()
    enrol(s)
    s.expect_task("Organiser l'activité bénévole", lane="referent")
    volontariat(s, jours=7)
    assert s.data()["dix_jours_realises"] is False  # what the commission is shown
    present(s)
    assert s.pathway.idle_since is not None  # waiting for the commission is no measure
    s.expect_task("Statuer sur le Contrat Social Jeune")
    with pytest.raises(InvalidInput):  # a refusal gives its reason
        s.complete({"decision_commission": "refuse", "date_decision": s.day()})
    decide(s, "refuse", motif_refus="jours_insuffisants")
    s.do("Décider de la suite après le refus", {"suite_refus": "nouvelle_periode"}, lane="referent")

    volontariat(s, jours=10)
    assert s.data()["dix_jours_realises"] is True
    present(s)
    decide(s, "valide")
    assert s.data()["csj_valide"] is True
    sortie(s, "formation_qualifiante")
    view = s.pathway
    assert (view.status, view.outcome) == ("completed", "formation_qualifiante")
    assert s.open_tasks() == []


@sqlite_only
def test_refused_then_the_referent_ends_the_pathway(start):
    s = start()
    enrol(s)
    volontariat(s, jours=10)
    present(s)
    decide(s, "refuse", motif_refus="sans_lien_projet")
    s.do(
        "Décider de la suite après le refus",
        {"suite_refus": "sortie"},
        lane="referent",
        form="csj_suite_refus.schema.json",
    )
    assert s.data()["csj_valide"] is False
    sortie(s, "abandon")
    assert (s.status, s.outcome) == ("completed", "abandon")


@sqlite_only
def test_a_period_that_never_started_goes_to_the_commission_with_no_days(start):
    s = start()
    enrol(s)
    volontariat(s, started=False)
    assert s.data()["dix_jours_realises"] is False
    present(s)
    decide(s, "refuse", motif_refus="engagement_non_tenu")
    s.do("Décider de la suite après le refus", {"suite_refus": "sortie"})
    sortie(s, "abandon")
    assert s.outcome == "abandon"


@sqlite_only
@pytest.mark.parametrize(
    "person",
    [{"priority_district": False}, {"birth_date": date(2000, 1, 1)}, {"birth_date": date(2010, 6, 1)}],
    ids=["outside-priority-district", "26", "15"],
)
def test_not_eligible(start, person):
    s = start(**person)
    assert (s.status, s.outcome) == ("completed", "non_eligible")
    assert s.open_tasks() == []
