"""PPAE delegated by France Travail (ex-Pôle emploi) and SAS Prévention RSA (seed 003) through the services.

For each, one representative pathway runs on SQLite and PostgreSQL (PPAE: job followed until
consolidated, then the report to France Travail; SAS: articulated with CIVIS, an RSA insertion
service, then a job); the other exits (not eligible, 26th birthday, chosen) run on SQLite only, to
keep the scenario suite fast.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.scenario import Scenario, publish_real_library, sqlite_only
from tests.support.scenario_blocks import (
    accueil,
    contractualisation,
    diagnostic,
    job,
    logement,
    recherche_emploi,
    sortie,
    suivi_emploi,
)


@pytest.fixture
def start(sessions, clock, monkeypatch):
    publish_real_library(sessions, clock, monkeypatch)
    return lambda programme, birth_date=date(2004, 11, 20), **person: Scenario(
        sessions, clock, programme, birth_date=birth_date, **person
    )


# --- PPAE ----------------------------------------------------------------------------------------


def prescribe_ppae(s: Scenario) -> None:
    s.do(
        "Enregistrer la prescription du PPAE",
        {
            "date_prescription": s.day(),
            "date_inscription_demandeur_emploi": s.day(-30),
            "difficultes": ["sante"],
        },
        lane="partenaire",
        form="ppae_prescription.schema.json",
    )


def elaborate_ppae(s: Scenario) -> None:
    prescribe_ppae(s)
    diagnostic(s)
    s.do(
        "Élaborer le PPAE",
        {
            "secteur_vise": "G",
            "types_contrat_recherches": ["cdi", "cdd"],
            "zone_mobilite_km": 30,
            "date_signature_ppae": s.day(),
        },
        lane="referent",
        form="ppae_projet.schema.json",
    )


def choose_ppae(s: Scenario, step: str) -> None:
    s.do(
        "Choisir la prochaine étape",
        {"prochaine_etape": step, "date_prochaine_mesure": s.day()},
        lane="referent",
        form="ppae_suite.schema.json",
    )


def report_to_france_travail(s: Scenario) -> None:
    s.do(
        "Rendre compte de la sortie à France Travail",
        {"date_transmission": s.day(), "transmis": True},
        lane="referent",
        form="ppae_compte_rendu.schema.json",
    )


def test_ppae_job_consolidated_then_reported_to_france_travail(start):
    s = start("ppae")
    elaborate_ppae(s)
    choose_ppae(s, "recherche_emploi")
    recherche_emploi(s, result="emploi_trouve")
    choose_ppae(s, "emploi")
    suivi_emploi(s, months_to_consolidate=2, type_contrat="cdd", duree_contrat_mois=8)
    assert s.status == "active"  # the exit is dated, the report to France Travail remains
    assert s.data()["issue"] == "cdd_6_mois_plus"
    report_to_france_travail(s)
    view = s.pathway
    assert (view.status, view.outcome, view.next_timer_due) == ("completed", "cdd_6_mois_plus", None)
    assert s.open_tasks() == []


@sqlite_only
def test_ppae_not_eligible_from_26_is_still_reported(start):
    s = start("ppae", birth_date=date(1999, 6, 1))
    prescribe_ppae(s)
    report_to_france_travail(s)
    assert (s.status, s.outcome) == ("completed", "non_eligible")


@sqlite_only
def test_ppae_26th_birthday(start):
    s = start("ppae", birth_date=date(2000, 2, 15))  # 26 on 2026-02-15
    elaborate_ppae(s)
    choose_ppae(s, "logement")
    logement(s)
    s.advance_to(date(2026, 2, 15)).fire_timers()
    report_to_france_travail(s)
    assert (s.status, s.outcome) == ("completed", "limite_age")


@sqlite_only
def test_ppae_chosen_exit(start):
    s = start("ppae")
    elaborate_ppae(s)
    choose_ppae(s, "sortie")
    sortie(s, "abandon")
    report_to_france_travail(s)
    assert (s.status, s.outcome) == ("completed", "abandon")


# --- SAS Prévention RSA --------------------------------------------------------------------------


def enter_sas(s: Scenario) -> None:
    s.do(
        "Orienter le jeune vers le SAS",
        {
            "date_reperage": s.day(),
            "structure_reperage": "caf",
            "statut_rsa": "eligible_dans_annee",
            "sorti_systeme_scolaire": True,
        },
        lane="partenaire",
        form="sas_reperage.schema.json",
    )


def accompany_sas(s: Scenario, civis: str = "civis_signe") -> None:
    enter_sas(s)
    accueil(s)
    diagnostic(s)
    articulation = {"situation_civis": civis}
    if civis == "civis_signe":
        articulation["date_signature_civis"] = s.day()
    s.do("Articuler avec le CIVIS", articulation, lane="referent", form="sas_articulation_civis.schema.json")
    contractualisation(s)


def choose_sas(s: Scenario, step: str) -> None:
    s.do(
        "Choisir la prochaine étape",
        {"prochaine_etape": step, "date_prochaine_mesure": s.day()},
        lane="referent",
        form="sas_suite.schema.json",
    )


def test_sas_articulated_with_civis_rsa_insertion_service_then_job(start):
    s = start("sas_prevention_rsa", sex="M", qualification_level="VI")
    accompany_sas(s)
    choose_sas(s, "offre_insertion_rsa")
    s.do(
        "Mobiliser une prestation de l'Offre d'Insertion RSA",
        {
            "prestation": "remobilisation",
            "prestataire": "Association Tremplin",
            "date_debut_prevue": s.day(7),
            "date_fin_prevue": s.day(60),
        },
        lane="referent",
        form="sas_prestation_rsa.schema.json",
    )
    assert s.pathway.idle_since is None
    s.advance(days=7)
    s.do(
        "Confirmer la prise en charge",  # lane: see test_partner_tasks_inside_a_sub_process_reach_the_partners
        {"prise_en_charge": True, "date_prise_en_charge": s.day()},
        form="retour_partenaire.schema.json",
    )
    assert s.pathway.idle_since == s.clock.now()
    choose_sas(s, "emploi")
    job(s, type_contrat="apprentissage", duree_contrat_mois=24)
    view = s.pathway
    assert (view.status, view.outcome, view.next_timer_due) == ("completed", "alternance", None)
    assert s.open_tasks() == []


@sqlite_only
def test_sas_not_eligible_from_26(start):
    s = start("sas_prevention_rsa", birth_date=date(1998, 1, 1))
    enter_sas(s)
    assert (s.status, s.outcome) == ("completed", "non_eligible")


@sqlite_only
def test_sas_26th_birthday(start):
    s = start("sas_prevention_rsa", birth_date=date(2000, 5, 2))
    accompany_sas(s, civis="deja_civis")
    choose_sas(s, "recherche_emploi")
    s.advance_to(date(2026, 5, 2)).fire_timers()
    assert (s.status, s.outcome) == ("completed", "limite_age")
    assert s.open_tasks() == []


@sqlite_only
@pytest.mark.parametrize("civis", ["deja_civis", "civis_plus_tard", "non_pertinent"])
def test_sas_chosen_exit(start, civis):
    s = start("sas_prevention_rsa")
    accompany_sas(s, civis=civis)
    choose_sas(s, "sortie")
    sortie(s, "fin_suivi")
    assert (s.status, s.outcome) == ("completed", "fin_suivi")


@sqlite_only
def test_partner_tasks_inside_a_sub_process_reach_the_partners(start):
    s = start("sas_prevention_rsa")
    accompany_sas(s)
    choose_sas(s, "offre_insertion_rsa")
    s.do(
        "Mobiliser une prestation de l'Offre d'Insertion RSA",
        {
            "prestation": "mobilite",
            "prestataire": "Auto-école sociale",
            "date_debut_prevue": s.day(),
            "date_fin_prevue": s.day(30),
        },
    )
    s.expect_task("Confirmer la prise en charge", lane="partenaire")  # Lane_partenaire lists it
