"""RSA accompaniment towards employment (seeds 003, 004) through the services, to every exit.

The CER flagged one month before its end, renewed twice, then the 18-month limit (`fin_suivi`) runs
on SQLite and PostgreSQL; the consolidated jobs, the CER not renewed and the chosen exit run on
SQLite only, to keep the scenario suite fast.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from parcours_engine.domain.errors import InvalidInput
from parcours_engine.persistence.models import Pathway, PathwayEvent, WorkItem
from tests.support.scenario import Scenario, publish_real_library, sqlite_only
from tests.support.scenario_blocks import (
    accueil,
    diagnostic,
    formation,
    immersion,
    recherche_emploi,
    sortie,
    suivi_emploi,
)

PARIS_MIDNIGHT_SUMMER = 22  # 00:00 in Paris is 22:00 UTC the day before, in summer
PARIS_MIDNIGHT_WINTER = 23


@pytest.fixture
def start(sessions, clock, monkeypatch):
    publish_real_library(sessions, clock, monkeypatch)
    return lambda **person: Scenario(sessions, clock, "rsa_accompagnement", **person)


def enter(s: Scenario, *, cer_months: int = 6, days_before_cer: int = 0) -> None:
    """Oriented by the Département, received, diagnosed, CER signed, plan and partners set."""
    s.do(
        "Enregistrer l'orientation du bénéficiaire",
        {"date_orientation": s.day(), "criteres_prioritaires": ["sans_emploi_stable"], "volontaire": True},
        lane="accueil",
        form="rsa_orientation.schema.json",
    )
    accueil(s)
    diagnostic(s, frein_logement="frein_important")
    s.advance(days=days_before_cer)
    s.do(
        "Signer le Contrat d'Engagement Réciproque",
        {"date_signature_cer": s.day(), "duree_cer_mois": cer_months, "engagements_acceptes": True},
        lane="referent",
        form="rsa_cer.schema.json",
    )
    s.do(
        "Définir le plan de retour à l'emploi",
        {
            "objectif_parcours": "emploi",
            "secteur_vise": "K",
            "etapes_prevues": ["preparation", "contacts_entreprises"],
            "echeance_objectif": s.day(months=12),
        },
        lane="referent",
        form="rsa_plan.schema.json",
    )
    s.do(
        "Identifier les partenaires du territoire",
        {"partenaires": ["pole_emploi", "siae", "logement"], "accord_personne": True},
        lane="referent",
        form="rsa_partenaires.schema.json",
    )


def choose(s: Scenario, step: str) -> None:
    s.do(
        "Définir la prochaine étape du parcours",
        {"prochaine_etape": step, "date_prochaine_mesure": s.day()},
        lane="referent",
        form="rsa_suite.schema.json",
    )


def test_cer_flagged_a_month_before_its_end_renewed_then_the_18_month_limit(start):
    s = start(birth_date=date(1988, 4, 12), qualification_level="Vbis")
    enter(s, cer_months=6, days_before_cer=7)  # accompaniment from 2026-01-05, CER signed on 01-12
    s.expect_task("Définir la prochaine étape du parcours")
    assert s.pathway.next_timer_due == datetime(2026, 6, 11, PARIS_MIDNIGHT_SUMMER, tzinfo=UTC)

    choose(s, "immersion")
    immersion(s, days=14)
    choose(s, "formation")
    formation(s, days=90)
    assert s.pathway.idle_since == s.clock.now()  # back to the choice, nothing planned

    # One month before the CER's end (2026-07-12) the referent gets the task to prepare its bilan.
    s.advance_to(date(2026, 6, 11))
    assert s.fire_timers() == 0
    s.expect_no_task("Préparer le bilan du CER")
    s.advance(days=1).fire_timers()
    s.do(
        "Préparer le bilan du CER",
        {"date_rdv_bilan": "2026-07-10"},
        lane="referent",
        form="rsa_cer_preparation.schema.json",
    )
    s.advance_to(date(2026, 7, 12)).fire_timers()
    s.do(
        "Faire le bilan du CER et statuer sur son renouvellement",
        {"renouvellement_cer": True, "duree_cer_mois": 6, "date_decision": s.day()},
        lane="referent",
        form="rsa_cer_renouvellement.schema.json",
    )
    assert s.data()["date_fin_cer"] == "2027-01-12"
    assert s.pathway.next_timer_due == datetime(2026, 12, 11, PARIS_MIDNIGHT_WINTER, tzinfo=UTC)
    s.advance_to(date(2026, 12, 12)).fire_timers()
    s.do("Préparer le bilan du CER", {"date_rdv_bilan": "2027-01-08"})
    s.advance_to(date(2027, 1, 12)).fire_timers()
    s.do(
        "Faire le bilan du CER et statuer sur son renouvellement",
        {"renouvellement_cer": True, "duree_cer_mois": 6, "date_decision": s.day()},
    )
    s.advance_to(date(2027, 6, 12)).fire_timers()
    s.expect_task("Préparer le bilan du CER")  # left open: the 18 months come first

    # 18 months after the accompaniment began (2026-01-05 09:00 UTC): the pathway ends, `fin_suivi`.
    s.advance_to(datetime(2027, 7, 5, 8, 59, tzinfo=UTC))
    assert s.fire_timers() == 0
    s.advance(minutes=2).fire_timers()
    view = s.pathway
    assert (view.status, view.outcome) == ("completed", "fin_suivi")
    assert s.open_tasks() == []
    assert (view.next_timer_due, view.current) == (None, frozenset())


@sqlite_only
@pytest.mark.parametrize(
    ("contract", "issue"),
    [
        ({"type_contrat": "cdi"}, "cdi"),
        ({"type_contrat": "cdd", "duree_contrat_mois": 9}, "cdd_6_mois_plus"),
        ({"type_contrat": "interim", "duree_contrat_mois": 2}, "cdd_moins_6_mois"),
        ({"type_contrat": "professionnalisation", "duree_contrat_mois": 12}, "alternance"),
        ({"type_contrat": "creation_activite"}, "creation_entreprise"),
    ],
)
def test_job_followed_until_consolidated_ends_the_pathway(start, contract, issue):
    s = start(birth_date=date(1990, 1, 1))
    enter(s)
    # A first job interrupted after a month: back to the choice of the next step.
    choose(s, "emploi")
    s.expect_task("Enregistrer la prise de poste", lane="referent", form="emploi.schema.json")
    suivi_emploi(s, months_to_consolidate=0, type_contrat="cdd", duree_contrat_mois=3)
    s.advance(months=1, days=1).fire_timers()
    s.do(
        "Faire le point dans l'emploi",
        {"date_point": s.day(), "emploi_maintenu": False, "emploi_consolide": False},
    )
    s.expect_task("Définir la prochaine étape du parcours")

    choose(s, "emploi")
    assert s.pathway.idle_since is None  # in-work follow-up is a measure
    suivi_emploi(s, months_to_consolidate=3, **contract)
    view = s.pathway
    assert (view.status, view.outcome) == ("completed", issue)
    assert s.open_tasks() == []
    assert view.next_timer_due is None


@sqlite_only
def test_cer_not_renewed_then_the_referent_records_a_reorientation(start):
    s = start(birth_date=date(1990, 1, 1))
    enter(s, cer_months=3)
    s.advance_to(date(2026, 3, 5)).fire_timers()
    s.do("Préparer le bilan du CER", {"date_rdv_bilan": "2026-04-01"})
    s.advance_to(date(2026, 4, 5)).fire_timers()
    s.do(
        "Faire le bilan du CER et statuer sur son renouvellement",
        {"renouvellement_cer": False, "date_decision": s.day(), "motif_non_renouvellement": "reorientation"},
    )
    s.expect_no_task("Définir la prochaine étape du parcours")
    s.expect_task("Enregistrer la sortie")
    with pytest.raises(InvalidInput):  # a reorientation names the programme
        s.complete({"issue": "reorientation", "date_sortie": s.day()})
    sortie(s, "reorientation", programme_suivant="ppae")
    assert (s.status, s.outcome) == ("completed", "reorientation")
    assert s.data()["programme_suivant"] == "ppae"


@sqlite_only
def test_chosen_exit_at_the_next_step(start):
    s = start(birth_date=date(1990, 1, 1))
    enter(s, cer_months=12)
    choose(s, "sortie")
    sortie(s, "demenagement")
    view = s.pathway
    assert (view.status, view.outcome, view.next_timer_due) == ("completed", "demenagement", None)


@sqlite_only
def test_a_long_loop_of_job_searches_keeps_the_saved_state_flat_and_its_history_in_the_hosts_tables(
    start, sessions
):
    """Issue 13: each turn through a block (a call activity) and the CER beside it (a parallel
    branch with a boundary timer) used to add ~6 KB to the saved state. What the history and the
    indicators need is in the host's own rows, whatever the engine's state drops."""
    s = start(birth_date=date(1985, 3, 2))
    enter(s, cer_months=3)
    sizes = []
    for _turn in range(30):
        choose(s, "recherche_emploi")
        recherche_emploi(s, days=5)
        with sessions() as session:
            sizes.append(len(session.get(Pathway, s.id).state.state_json))
    assert max(sizes[15:]) < 1.05 * max(sizes[:15])
    s.expect_task("Préparer le bilan du CER")  # the CER's branch ran on meanwhile
    with sessions() as session:
        completed = session.scalars(
            select(PathwayEvent.element_id).where(
                PathwayEvent.pathway_id == s.id, PathwayEvent.kind == "task_completed"
            )
        ).all()
        searches = session.scalar(
            select(func.count(WorkItem.id)).where(
                WorkItem.pathway_id == s.id,
                WorkItem.element_id == "Task_recherche_emploi_bilan",
                WorkItem.status == "completed",
            )
        )
    assert (completed.count("Task_choisir_etape"), searches) == (30, 30)
    assert s.data()["engagements_acceptes"] is True  # the CER's answers, from a task long dropped
