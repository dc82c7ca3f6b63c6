"""IEJ Allier (seed 001) through the services: every routing branch to its CSP, and every exit.

An unaccompanied minor of Vichy routed to the CSP of Vichy Sud-Allier and ending at the 21st
birthday runs on SQLite and PostgreSQL; the other routing branches, the not-eligible orientations,
the job and the chosen exit run on SQLite only, to keep the scenario suite fast.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.scenario import Scenario, add_referent, publish_real_library, sqlite_only
from tests.support.scenario_blocks import contractualisation, diagnostic, job, sortie, volontariat

CSPS = ("csp_ase_departement", "csp_mna_moulins", "csp_mna_vichy", "csp_mna_montlucon")
ALLIER_YOUTH = {"birth_date": date(2008, 3, 1), "departement": "03", "ase": True}  # 17 at entry


@pytest.fixture
def world(sessions, clock, monkeypatch):
    """The library, the four CSPs (each account holds its routing code) and a way to start."""
    publish_real_library(sessions, clock, monkeypatch)
    csps = {code: add_referent(sessions, clock, code.replace("_", "-"), code) for code in CSPS}

    def start(**person):
        return Scenario(sessions, clock, "iej_allier", **{**ALLIER_YOUTH, **person})

    return start, csps


def spot(s: Scenario, *, neet: bool = True) -> None:
    s.do(
        "Enregistrer le repérage",
        {
            "date_reperage": s.day(),
            "origine_reperage": "ase",
            "en_emploi": not neet,
            "en_etudes": False,
            "en_formation": False,
        },
        lane="partenaire",
        form="iej_reperage.schema.json",
    )


def confirm_eligibility(s: Scenario) -> None:
    assert s.data()["eligible_iej"] is True  # computed, shown to the coordination that confirms it
    s.do(
        "Vérifier l'éligibilité",
        {"eligibilite_confirmee": True, "justificatifs_verifies": True, "date_verification": s.day()},
        lane="coordination",
        form="iej_eligibilite.schema.json",
    )


def choose(s: Scenario, step: str) -> None:
    s.do(
        "Choisir la prochaine étape",
        {"prochaine_etape": step, "date_prochaine_mesure": s.day()},
        lane="referent",
        form="iej_suite.schema.json",
    )


def test_unaccompanied_minor_of_vichy_goes_to_its_csp_and_leaves_at_21(world):
    start, csps = world
    s = start(birth_date=date(2005, 4, 1), mna=True, territory="vichy")  # 20 at entry, 21 on 2026-04-01
    assert s.pathway.referent_id is None
    spot(s)
    confirm_eligibility(s)
    view = s.pathway
    assert view.referent_id == csps["csp_mna_vichy"]
    assert (
        s.expect_task("Réaliser le diagnostic global", lane="referent").assignee_id == csps["csp_mna_vichy"]
    )
    assert "Sub_iej_accompagnement" in view.current
    assert view.next_timer_due is not None  # the 21st birthday

    diagnostic(s)
    contractualisation(s)
    choose(s, "volontariat")
    volontariat(s)
    assert s.pathway.idle_since == s.clock.now()
    choose(s, "formation")
    s.expect_task("Prescrire la formation")
    s.advance_to(date(2026, 4, 1)).fire_timers()

    view = s.pathway
    assert (view.status, view.outcome) == ("completed", "limite_age")
    assert s.open_tasks() == []
    assert view.next_timer_due is None


@sqlite_only
@pytest.mark.parametrize(
    ("person", "csp"),
    [
        ({"mna": False, "territory": "moulins"}, "csp_ase_departement"),
        ({"mna": False}, "csp_ase_departement"),
        ({"mna": True, "territory": "moulins"}, "csp_mna_moulins"),
        ({"mna": True, "territory": "vichy"}, "csp_mna_vichy"),
        ({"mna": True, "territory": "montlucon"}, "csp_mna_montlucon"),
    ],
)
def test_routing_to_the_csp(world, person, csp):
    start, csps = world
    s = start(**person)
    spot(s)
    confirm_eligibility(s)
    s.expect_no_task("Préciser le territoire du jeune")
    assert s.data()["csp_affecte"] == csp
    assert s.pathway.referent_id == csps[csp]
    assert s.expect_task("Réaliser le diagnostic global").assignee_id == csps[csp]


@sqlite_only
@pytest.mark.parametrize("territory", ["moulins", "vichy", "montlucon"])
def test_unaccompanied_minor_without_territory_the_coordination_names_it(world, territory):
    start, csps = world
    s = start(mna=True, territory=None)
    spot(s)
    confirm_eligibility(s)
    assert s.pathway.referent_id is None  # nobody until the territory is known
    s.do(
        "Préciser le territoire du jeune",
        {"territoire": territory},
        lane="coordination",
        form="iej_territoire.schema.json",
    )
    assert s.pathway.referent_id == csps[f"csp_mna_{territory}"]


@sqlite_only
@pytest.mark.parametrize("organisme", ["ml_montlucon", "ml_moulins", "ml_vichy", "cap_emploi", "pole_emploi"])
def test_not_eligible_is_oriented_then_leaves(world, organisme):
    start, _ = world
    s = start(departement="63")  # lives outside the Allier
    spot(s)
    assert s.data()["eligible_iej"] is False
    s.do(
        "Vérifier l'éligibilité",
        {
            "eligibilite_confirmee": False,
            "justificatifs_verifies": True,
            "date_verification": s.day(),
            "motif_non_eligibilite": "hors_allier",
        },
        lane="coordination",
    )
    s.do(
        "Orienter vers un autre organisme",
        {"organisme_oriente": organisme, "date_orientation": s.day(), "accord_personne": True},
        lane="coordination",
        form="iej_orientation.schema.json",
    )
    view = s.pathway
    assert (view.status, view.outcome, view.referent_id) == ("completed", "non_eligible", None)
    assert s.data()["organisme_oriente"] == organisme
    assert s.open_tasks() == []


@sqlite_only
def test_coordination_may_overrule_the_computed_eligibility(world):
    start, csps = world
    s = start(ase=False)  # the ASE care is not on file yet: computed not eligible
    spot(s)
    assert s.data()["eligible_iej"] is False
    s.do(
        "Vérifier l'éligibilité",
        {"eligibilite_confirmee": True, "justificatifs_verifies": True, "date_verification": s.day()},
    )
    assert s.pathway.referent_id == csps["csp_ase_departement"]
    s.expect_task("Réaliser le diagnostic global")


@sqlite_only
def test_confirmed_past_the_21st_birthday_leaves_at_once_at_the_age_limit(world):
    start, _ = world
    s = start(birth_date=date(2004, 3, 1))  # 21 at entry: ASE care has ended
    spot(s)
    confirm = {"eligibilite_confirmee": True, "justificatifs_verifies": True, "date_verification": s.day()}
    s.do("Vérifier l'éligibilité", confirm)
    s.fire_timers()  # the 21st birthday is already past: the scheduler's next run ends it
    assert (s.status, s.outcome) == ("completed", "limite_age")


@sqlite_only
@pytest.mark.parametrize(
    ("contract", "issue"),
    [
        ({"type_contrat": "cdi"}, "cdi"),
        ({"type_contrat": "cdd", "duree_contrat_mois": 3}, "cdd_moins_6_mois"),
        ({"type_contrat": "apprentissage", "duree_contrat_mois": 24}, "alternance"),
    ],
)
def test_job_ends_the_pathway(world, contract, issue):
    start, _ = world
    s = start()
    spot(s)
    confirm_eligibility(s)
    diagnostic(s)
    contractualisation(s)
    choose(s, "emploi")
    job(s, **contract)
    assert (s.status, s.outcome) == ("completed", issue)


@sqlite_only
def test_chosen_exit(world):
    start, _ = world
    s = start()
    spot(s)
    confirm_eligibility(s)
    diagnostic(s, frein_logement="frein_important")
    contractualisation(s, rework=True)
    choose(s, "sortie")
    sortie(s, "autre", precision_autre="Retour dans la famille à l'étranger")
    assert (s.status, s.outcome) == ("completed", "autre")
