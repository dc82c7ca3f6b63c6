"""PAJE, Algeria (seed 000) through the services: information, orientation, accompaniment, exit.

The orientation to ANEM taken in charge, the pathway readjusted, then a chosen exit runs on SQLite
and PostgreSQL; the orientation to each partner (ANEM, ANSEJ, ANGEM, CNAC), the partner's refusal
and the measures run on SQLite only, to keep the scenario suite fast.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.scenario import Scenario, publish_real_library, sqlite_only
from tests.support.scenario_blocks import (
    accueil,
    contractualisation,
    diagnostic,
    formation,
    immersion,
    recherche_emploi,
    sortie,
)


@pytest.fixture
def start(sessions, clock, monkeypatch):
    publish_real_library(sessions, clock, monkeypatch)
    return lambda **person: Scenario(sessions, clock, "paje", birth_date=date(2003, 7, 14), **person)


def orientation(s: Scenario) -> None:
    """Accueil, information, then the orientation: diagnostic and a formalised pathway."""
    accueil(s, urgent=True, complexe=True)
    s.do(
        "Informer le jeune",
        {
            "ressources_utilisees": ["guide_metiers", "espace_emploi"],
            "demande_specialisee": "interne",
            "date_information": s.day(),
        },
        lane="accueil",
        form="paje_information.schema.json",
    )
    diagnostic(s)
    contractualisation(s)


def choose(s: Scenario, step: str, evaluation: str = "conforme") -> None:
    s.do(
        "Évaluer le parcours et choisir la prochaine étape",
        {"prochaine_etape": step, "date_prochaine_mesure": s.day(), "evaluation_parcours": evaluation},
        lane="referent",
        form="paje_suite.schema.json",
    )


def orient_to(s: Scenario, partner: str, objet: str, taken: bool = True) -> None:
    s.do(
        "Orienter vers l'ANEM, l'ANSEJ, l'ANGEM ou la CNAC",
        {"partenaire": partner, "objet": objet, "date_rendez_vous": s.day(7)},
        lane="referent",
        form="paje_orientation_partenaire.schema.json",
    )
    assert s.pathway.idle_since is None  # the orientation to a partner is a measure
    s.advance(days=7)
    answer = {"prise_en_charge": True, "date_prise_en_charge": s.day()}
    s.do(
        "Confirmer la prise en charge",
        answer if taken else {"prise_en_charge": False, "motif_refus": "liste_attente"},
        lane="partenaire",
        form="retour_partenaire.schema.json",
    )


def test_orientation_to_anem_readjusted_pathway_then_exit(start):
    s = start(sex="M")
    orientation(s)
    s.expect_task("Évaluer le parcours et choisir la prochaine étape")
    assert s.pathway.idle_since is not None
    choose(s, "orientation_partenaire")
    orient_to(s, "anem", "placement")
    assert s.pathway.idle_since == s.clock.now()

    choose(s, "reajuster", evaluation="a_reajuster")
    contractualisation(s)  # project redefined, validated and formalised again
    choose(s, "sortie")
    sortie(s, "cdd_6_mois_plus")
    view = s.pathway
    assert (view.status, view.outcome, view.next_timer_due) == ("completed", "cdd_6_mois_plus", None)
    assert s.open_tasks() == []


@sqlite_only
@pytest.mark.parametrize(
    ("partner", "objet"),
    [
        ("anem", "placement"),
        ("ansej", "creation_activite"),
        ("angem", "micro_credit"),
        ("cnac", "dispositif_aide"),
    ],
)
def test_orientation_to_each_partner(start, partner, objet):
    s = start()
    orientation(s)
    choose(s, "orientation_partenaire")
    orient_to(s, partner, objet)
    assert s.data()["partenaire"] == partner
    choose(s, "sortie")
    sortie(s, "creation_entreprise" if partner in ("ansej", "angem") else "cdi")
    assert s.status == "completed"


@sqlite_only
def test_partner_refusal_then_measures_then_exit(start):
    s = start()
    orientation(s)
    choose(s, "orientation_partenaire")
    orient_to(s, "cnac", "dispositif_aide", taken=False)
    choose(s, "formation")
    formation(s, started=False)  # not started: back to the choice at once
    choose(s, "formation")
    formation(s)
    choose(s, "immersion")
    immersion(s)
    choose(s, "recherche_emploi")
    recherche_emploi(s, result="emploi_trouve")
    choose(s, "sortie", evaluation="conforme")
    sortie(s, "cdi")
    assert (s.status, s.outcome) == ("completed", "cdi")
