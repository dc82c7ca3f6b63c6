"""Passeport emploi (seed 002) through the services: periods in companies recorded, then closed.

Two periods in companies, each recorded with the employer and the social competencies updated from
their initial « à vérifier », then the passport closed, runs on SQLite and PostgreSQL; closing
before any period runs on SQLite only.
"""

from __future__ import annotations

from datetime import date

import pytest

from parcours_engine.domain.errors import InvalidInput
from tests.support.scenario import Scenario, publish_real_library, sqlite_only
from tests.support.scenario_blocks import sortie

COMPETENCES = (
    "ponctualite",
    "assiduite",
    "presentation",
    "politesse",
    "respect_consignes",
    "respect_hierarchie",
    "travail_equipe",
    "autonomie",
    "initiative",
    "securite",
)


@pytest.fixture
def start(sessions, clock, monkeypatch):
    publish_real_library(sessions, clock, monkeypatch)
    return lambda **person: Scenario(
        sessions, clock, "passeport_emploi", birth_date=date(2007, 1, 20), **person
    )


def open_passport(s: Scenario) -> None:
    s.do(
        "Ouvrir le passeport avec la personne",
        {
            "date_ouverture": s.day(),
            "public": "pjj",
            "structure_referente": "pjj",
            "charte_acceptee": True,
            "identifiant_remis": True,
        },
        lane="referent",
        form="passeport_ouverture.schema.json",
    )


def plan_period(s: Scenario, days: int) -> None:
    s.do(
        "Planifier la prochaine période en entreprise",
        {
            "prochaine_etape": "periode_entreprise",
            "date_debut_periode_prevue": s.day(),
            "date_fin_periode_prevue": s.day(days),
        },
        lane="referent",
        form="passeport_suite.schema.json",
    )


def record_period(s: Scenario, entreprise: str, type_periode: str, levels: dict[str, str]) -> None:
    s.do(
        "Enregistrer l'expérience professionnelle",
        {
            "entreprise": entreprise,
            "secteur": "G",
            "code_rome": "G1603",
            "type_periode": type_periode,
            "date_debut_periode": s.day(-14),
            "date_fin_periode": s.day(-1),
            "reference": "attestation_stage",
        },
        lane="referent",
        form="experience_professionnelle.schema.json",
    )
    s.do(
        "Actualiser les compétences sociales avec l'employeur",
        {
            "competences_sociales": levels,
            "date_evaluation": s.day(),
            "employeur_consulte": True,
            "personne_consultee": True,
        },
        lane="referent",
        form="competences_sociales.schema.json",
    )


def test_two_periods_recorded_then_passport_closed(start):
    s = start()
    open_passport(s)
    assert s.data()["competences_sociales"] == dict.fromkeys(COMPETENCES, "a_verifier")
    assert s.pathway.idle_since is not None

    plan_period(s, days=14)
    view = s.pathway
    assert {"Call_periode", "Timer_periode_entreprise_fin_periode"} <= view.current
    assert view.idle_since is None  # a period in a company is a measure
    s.expect_no_task("Enregistrer l'expérience professionnelle")  # not before the period ends
    s.advance(days=15).fire_timers()
    after_first = {**dict.fromkeys(COMPETENCES, "en_cours"), "ponctualite": "acquise"}
    record_period(s, "Supermarché du Centre", "pmsmp", after_first)
    assert s.data()["nb_periodes_entreprise"] == 1
    assert s.pathway.idle_since == s.clock.now()

    s.advance(days=40)
    plan_period(s, days=30)
    s.advance(days=31).fire_timers()
    final = dict.fromkeys(COMPETENCES, "acquise")
    record_period(s, "Supermarché du Centre", "cdd", final)
    data = s.data()
    assert data["nb_periodes_entreprise"] == 2
    assert data["competences_depart"] == dict.fromkeys(COMPETENCES, "a_verifier")

    s.do("Planifier la prochaine période en entreprise", {"prochaine_etape": "cloture"})
    assert s.data()["competences_fin"] == final
    sortie(s, "cdd_moins_6_mois")
    view = s.pathway
    assert (view.status, view.outcome) == ("completed", "cdd_moins_6_mois")
    assert s.open_tasks() == []


@sqlite_only
def test_closed_before_any_period(start):
    s = start()
    open_passport(s)
    with pytest.raises(InvalidInput):  # a period needs its dates
        s.do("Planifier la prochaine période en entreprise", {"prochaine_etape": "periode_entreprise"})
    s.do("Planifier la prochaine période en entreprise", {"prochaine_etape": "cloture"})
    sortie(s, "abandon")
    assert (s.status, s.outcome) == ("completed", "abandon")
    assert s.data()["nb_periodes_entreprise"] == 0
