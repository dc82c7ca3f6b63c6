"""RAPID (seed 003) through the services: co-accompaniment until the move to a standard programme.

The co-accompaniment (appointments on a timer, a proximity action) ending in a reorientation to
CIVIS, which the host then starts for the same person, runs on SQLite and PostgreSQL; the other
exits (not eligible, 26th birthday, chosen) run on SQLite only, to keep the scenario suite fast.

The host starts the programme named by `programme_suivant` in the same transaction as the exit
(pathways.pathways), with the same referent: the scenario checks the new pathway is there.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from sqlalchemy import select

from parcours_engine.domain.errors import InvalidInput
from parcours_engine.persistence.models import Pathway, PathwayEvent, WorkItem
from tests.support.scenario import Scenario, publish_real_library, sqlite_only
from tests.support.scenario_blocks import sortie

DISTRICT_YOUTH = {"birth_date": date(2007, 10, 1), "priority_district": True}  # 18 at entry


@pytest.fixture
def start(sessions, clock, monkeypatch):
    publish_real_library(sessions, clock, monkeypatch)
    return lambda programme="rapid", **person: Scenario(
        sessions, clock, programme, **{**DISTRICT_YOUTH, **person}
    )


def spot(s: Scenario, *, urgent: bool = False) -> None:
    s.do(
        "Enregistrer le repérage",
        {
            "date_reperage": s.day(),
            "structure_proximite": "centre_social_mosaique",
            "demande_immediate": "ressources",
            "besoin_urgent": urgent,
        },
        lane="partenaire",
        form="rapid_reperage.schema.json",
    )


def point(s: Scenario, step: str, **extra: str) -> None:
    s.do(
        "Faire le point avec la structure de proximité",
        {
            "date_point": s.day(),
            "rdv_honore": True,
            "structure_presente": True,
            "prochaine_etape": step,
            **extra,
        },
        lane="referent",
        form="rapid_point.schema.json",
    )


def test_co_accompaniment_then_reorientation_to_civis_started_by_the_host(start):
    s = start()
    spot(s, urgent=True)
    s.do(
        "Répondre à la demande immédiate",
        {"type_besoin": "alimentation", "reponse_apportee": "aide_financiere", "date_reponse": s.day()},
        lane="accueil",
        form="reponse_immediate.schema.json",
    )
    point(s, "nouveau_rdv", date_prochain_rdv=s.day(10))
    view = s.pathway
    assert "Timer_rdv" in view.current
    assert view.idle_since is not None  # an appointment is no measure
    s.wait_until_due()

    point(s, "action_proximite")
    # Drawn in the Partenaire lane; the host routes it to the referent for now (see
    # test_scenarios_ppae_sas.py::test_partner_tasks_inside_a_sub_process_reach_the_partners).
    s.expect_task("Mener une action de proximité", form="rapid_action.schema.json")
    assert s.pathway.idle_since is None  # the proximity action is a measure
    s.advance(days=12)
    s.complete({"type_action": "chantier", "date_action": s.day(), "participation": "complete"})
    assert s.pathway.idle_since == s.clock.now()

    point(s, "passage_droit_commun")
    s.do(
        "Préparer le passage vers un dispositif de droit commun",
        {"programme_suivant": "civis", "date_passage": s.day(7), "accord_personne": True},
        lane="referent",
        form="rapid_passage.schema.json",
    )
    view = s.pathway
    assert (view.status, view.outcome) == ("completed", "reorientation")
    assert s.open_tasks() == []
    assert s.data()["programme_suivant"] == "civis"

    with s.sessions() as session:
        (civis,) = session.scalars(
            select(Pathway).where(Pathway.beneficiary_id == s.beneficiary_id, Pathway.programme == "civis")
        )
        assert (civis.status, civis.referent_id, civis.started_at) == (
            "active",
            s.pathway.referent_id,
            s.clock.now(),
        )
        names = session.scalars(
            select(WorkItem.name).where(WorkItem.pathway_id == civis.id, WorkItem.status == "open")
        ).all()
        assert names == ["Réaliser le premier accueil"]
        event = session.scalar(
            select(PathwayEvent).where(PathwayEvent.pathway_id == s.id, PathwayEvent.kind == "reoriented")
        )
        assert json.loads(event.detail_json) == {"to_pathway": civis.id, "programme": "civis"}


@sqlite_only
def test_the_26th_birthday_ends_the_co_accompaniment(start):
    s = start(birth_date=date(2000, 3, 1))  # 25 at entry, 26 on 2026-03-01
    spot(s)
    point(s, "action_proximite")
    s.advance_to(date(2026, 3, 1)).fire_timers()
    assert (s.status, s.outcome) == ("completed", "limite_age")
    assert s.open_tasks() == []


@sqlite_only
@pytest.mark.parametrize(
    "person",
    [{"priority_district": False}, {"birth_date": date(1999, 1, 1)}],
    ids=["outside-priority-district", "27"],
)
def test_not_eligible_after_the_spotting(start, person):
    s = start(**person)
    spot(s)
    assert (s.status, s.outcome) == ("completed", "non_eligible")
    assert s.open_tasks() == []


@sqlite_only
def test_chosen_exit(start):
    s = start()
    spot(s)
    with pytest.raises(InvalidInput):  # a new appointment needs its date
        s.do(
            "Faire le point avec la structure de proximité",
            {
                "date_point": s.day(),
                "rdv_honore": False,
                "structure_presente": True,
                "prochaine_etape": "nouveau_rdv",
            },
        )
    point(s, "sortie")
    sortie(s, "demenagement")
    assert (s.status, s.outcome) == ("completed", "demenagement")
