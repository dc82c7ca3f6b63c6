"""CIVIS (seed 003) through the services, to every exit processes/README.md promises.

The contract renewed after a year then ended at the 26th birthday runs on SQLite and PostgreSQL;
the rest of the exit matrix (not eligible, durable jobs, non-renewal, chosen exit, measures) runs on
SQLite only, to keep the scenario suite fast.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from parcours_engine.domain.errors import InvalidInput
from tests.support.scenario import Scenario, publish_real_library, sqlite_only
from tests.support.scenario_blocks import accueil, contractualisation, diagnostic, sortie

PARIS_MIDNIGHT = 23  # 00:00 in Paris is 23:00 UTC in winter


@pytest.fixture
def start(sessions, clock, monkeypatch):
    publish_real_library(sessions, clock, monkeypatch)
    return lambda **person: Scenario(sessions, clock, "civis", **person)


def sign_civis(s: Scenario) -> None:
    accueil(s)
    diagnostic(s)
    contractualisation(s)
    s.do(
        "Signer le contrat CIVIS",
        {"date_signature_civis": s.day(), "engagements_acceptes": True},
        lane="referent",
        form="civis_contrat.schema.json",
    )


def choose(s: Scenario, step: str, paid: bool = True) -> None:
    s.do(
        "Choisir la prochaine étape",
        {"prochaine_etape": step, "date_prochaine_mesure": s.day(), "periode_remuneree": paid},
        lane="referent",
        form="civis_suite.schema.json",
    )


def test_contract_renewed_after_a_year_then_ends_at_the_26th_birthday(start):
    s = start(birth_date=date(2001, 2, 10))  # 24 at entry (2026-01-05), 26 on 2027-02-10
    sign_civis(s)
    s.expect_task("Choisir la prochaine étape", lane="referent")
    view = s.pathway
    assert {"Sub_civis_accompagnement", "Call_contrat_en_cours", "Task_choisir_etape"} <= view.current
    assert view.idle_since is not None  # signed, no measure yet
    # The contract ends on 2027-01-05: the referent is flagged one month before, at midnight in Paris.
    assert view.next_timer_due == datetime(2026, 12, 4, PARIS_MIDNIGHT, tzinfo=UTC)

    s.advance_to(date(2026, 12, 4))
    assert s.fire_timers() == 0  # not yet
    s.advance(days=1).fire_timers()
    s.expect_task(
        "Préparer le bilan du contrat CIVIS", lane="referent", form="civis_preparation_bilan.schema.json"
    )
    s.expect_task("Choisir la prochaine étape")  # the steps go on meanwhile
    s.complete({"date_rdv_bilan": "2026-12-20"}, task="Préparer le bilan du contrat CIVIS")
    assert s.pathway.next_timer_due == datetime(2027, 1, 4, PARIS_MIDNIGHT, tzinfo=UTC)

    s.advance_to(date(2027, 1, 5)).fire_timers()
    s.do(
        "Statuer sur le renouvellement du CIVIS",
        {"renouvellement_civis": True, "date_decision": s.day()},
        lane="referent",
        form="civis_renouvellement.schema.json",
    )
    assert s.data()["date_fin_civis"] == "2028-01-05"
    assert s.data()["nb_renouvellements"] == 1
    assert s.status == "active"
    # Renewed for a year: the next flag is a month before the new term, the 26th birthday comes first.
    assert s.pathway.next_timer_due == datetime(2027, 2, 9, PARIS_MIDNIGHT, tzinfo=UTC)

    choose(s, "recherche_emploi")
    s.do(
        "Définir le plan de recherche d'emploi",
        {"actions": ["atelier_cv"], "date_debut_prevue": s.day(), "date_fin_prevue": s.day(months=3)},
    )
    assert s.pathway.idle_since is None  # a measure runs
    s.advance_to(date(2027, 2, 10)).fire_timers()

    view = s.pathway
    assert (view.status, view.outcome) == ("completed", "limite_age")
    assert view.ended_at == s.clock.now()
    assert (view.next_timer_due, view.idle_since, view.current) == (None, None, frozenset())
    assert s.open_tasks() == []  # the running measure's tasks are cancelled
    assert s.data()["date_sortie"] == "2027-02-10"


@sqlite_only
@pytest.mark.parametrize(("level", "renforce"), [("VI", True), ("Vbis", True), ("V", False), ("IV", False)])
def test_civis_renforce_for_levels_vi_and_vbis(start, level, renforce):
    s = start(qualification_level=level)
    assert s.data()["civis_renforce"] is renforce
    s.expect_task("Réaliser le premier accueil", lane="accueil")


@sqlite_only
@pytest.mark.parametrize("birth_date", [date(2010, 6, 1), date(2000, 1, 5)], ids=["15", "26"])
def test_outside_16_to_25_is_not_eligible_and_ends_at_once(start, birth_date):
    s = start(birth_date=birth_date)
    view = s.pathway
    assert (view.status, view.outcome) == ("completed", "non_eligible")
    assert s.open_tasks() == []
    assert s.data()["date_sortie"] == s.day()


@sqlite_only
@pytest.mark.parametrize(
    ("contract", "issue"),
    [
        ({"type_contrat": "cdi"}, "cdi"),
        ({"type_contrat": "cdd", "duree_contrat_mois": 6}, "cdd_6_mois_plus"),
        ({"type_contrat": "apprentissage", "duree_contrat_mois": 24}, "alternance"),
        ({"type_contrat": "professionnalisation", "duree_contrat_mois": 12}, "alternance"),
        ({"type_contrat": "creation_activite"}, "creation_entreprise"),
    ],
)
def test_durable_job_ends_the_contract_with_its_outcome(start, contract, issue):
    s = start(birth_date=date(2005, 6, 1))
    sign_civis(s)
    job = {
        "employeur": "Boulangerie du Port",
        "secteur": "D",
        "date_debut_contrat": s.day(),
        "temps_travail": "temps_plein",
    }
    # A job shorter than 6 months is recorded, and the pathway goes on.
    choose(s, "emploi")
    s.do(
        "Enregistrer l'emploi",
        {**job, "type_contrat": "cdd", "duree_contrat_mois": 3},
        form="emploi.schema.json",
    )
    s.advance(months=3)
    choose(s, "emploi")
    s.do("Enregistrer l'emploi", {**job, **contract})

    view = s.pathway
    assert (view.status, view.outcome) == ("completed", issue)
    assert s.open_tasks() == []
    assert view.next_timer_due is None  # the contract's timers and the 26th birthday are gone


@sqlite_only
def test_contract_not_renewed_then_the_referent_chooses_the_exit(start):
    s = start(birth_date=date(2005, 6, 1))
    sign_civis(s)
    s.advance_to(date(2026, 12, 5)).fire_timers()
    s.do("Préparer le bilan du contrat CIVIS", {"date_rdv_bilan": "2027-01-04"})
    s.advance_to(date(2027, 1, 5)).fire_timers()
    s.expect_task("Statuer sur le renouvellement du CIVIS")
    with pytest.raises(InvalidInput):  # a refusal needs its reason
        s.complete({"renouvellement_civis": False, "date_decision": s.day()})
    s.do(
        "Statuer sur le renouvellement du CIVIS",
        {
            "renouvellement_civis": False,
            "date_decision": s.day(),
            "motif_non_renouvellement": "sans_nouvelles",
        },
    )
    s.expect_no_task("Choisir la prochaine étape")  # the non-renewal ends the steps too
    sortie(s, "abandon")
    assert (s.status, s.outcome) == ("completed", "abandon")


@sqlite_only
def test_measures_permis_and_action_sante_allocation_and_chosen_exit(start):
    s = start(birth_date=date(2007, 9, 1), qualification_level="Vbis")  # 18 at entry
    sign_civis(s)
    idle_from = s.pathway.idle_since
    assert idle_from is not None

    # An unpaid period from 18: the allowance is decided before the step starts.
    choose(s, "permis", paid=False)
    s.do(
        "Statuer sur l'allocation CIVIS",
        {
            "allocation_accordee": True,
            "date_debut_allocation": s.day(),
            "date_fin_allocation": s.day(months=3),
            "montant_mensuel": 300,
        },
        lane="referent",
        form="civis_allocation.schema.json",
    )
    s.do(
        "Inscrire à Permis pour l'emploi",
        {"prestations": ["permis_b"], "date_debut_prevue": s.day(7), "date_fin_prevue": s.day(60)},
        lane="referent",
    )
    s.do(
        "Confirmer l'entrée dans l'action permis",
        {"entree_confirmee": True, "date_entree_mesure": s.day(7)},
        lane="partenaire",
        form="entree_mesure.schema.json",
    )
    view = s.pathway
    assert view.idle_since is None
    assert {"Call_permis", "Timer_permis_emploi_fin_prevue"} <= view.current
    s.advance(days=61).fire_timers()
    s.do(
        "Faire le bilan Permis pour l'emploi",
        {
            "resultat_mesure": "objectif_atteint",
            "code_obtenu": True,
            "permis_obtenu": True,
            "date_fin_reelle": s.day(),
        },
        form="permis_bilan.schema.json",
    )
    assert s.pathway.idle_since == s.clock.now()  # back at the choice: idle again

    # A paid period: no allowance question. The action santé is not started: back to the choice.
    choose(s, "action_sante", paid=True)
    s.expect_no_task("Statuer sur l'allocation CIVIS")
    s.do(
        "Orienter vers ACtion Santé en ENTreprise",
        {
            "modules": ["modules_collectifs"],
            "themes": ["gestion_stress"],
            "date_debut_prevue": s.day(7),
            "date_fin_prevue": s.day(37),
        },
    )
    s.do(
        "Confirmer l'entrée dans l'action santé",
        {"entree_confirmee": False, "motif_non_entree": "desistement"},
    )
    s.expect_task("Choisir la prochaine étape")
    choose(s, "action_sante")
    s.do(
        "Orienter vers ACtion Santé en ENTreprise",
        {
            "modules": ["accueil_specifique"],
            "themes": ["communication"],
            "date_debut_prevue": s.day(),
            "date_fin_prevue": s.day(30),
        },
    )
    s.do("Confirmer l'entrée dans l'action santé", {"entree_confirmee": True, "date_entree_mesure": s.day()})
    s.advance(days=31).fire_timers()
    s.do(
        "Faire le bilan de l'action santé",
        {"resultat_mesure": "objectif_partiel", "date_fin_reelle": s.day()},
    )

    choose(s, "sortie")
    sortie(s, "formation_qualifiante")
    view = s.pathway
    assert (view.status, view.outcome) == ("completed", "formation_qualifiante")
    assert view.next_timer_due is None
    assert s.open_tasks() == []
