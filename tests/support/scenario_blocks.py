"""The shared blocks of processes/blocs/, walked the usual way by a Scenario (tests/support/scenario.py).

Each function completes the block's tasks in order with data its forms accept, checking the lane and
form a user would see on the way; options choose the branch (urgent need, project reworked, measure
not started...). Programme scenarios call them for the steps they do not study.
"""

from __future__ import annotations

from typing import Any

from tests.support.scenario import Scenario

# --- the shared blocks, walked the usual way ---------------------------------------------------


def accueil(s: Scenario, *, urgent: bool = False, complexe: bool = False) -> None:
    """bloc_accueil: first reception (with the urgent answer and the orientation when asked)."""
    s.do(
        "Réaliser le premier accueil",
        {
            "date_accueil": s.day(),
            "origine": "partenaire",
            "demande_principale": "emploi",
            "besoin_urgent": urgent,
            "demande_complexe": complexe,
        },
        lane="accueil",
        form="accueil.schema.json",
    )
    if urgent:
        s.do(
            "Apporter une réponse immédiate",
            {
                "type_besoin": "hebergement",
                "reponse_apportee": "orientation_urgence",
                "date_reponse": s.day(),
            },
            lane="accueil",
        )
    if complexe:
        s.do(
            "Orienter vers un service compétent",
            {
                "orientation_vers": "partenaire_externe",
                "service_competent": "logement",
                "date_rendez_vous": s.day(7),
            },
            lane="accueil",
        )
    s.do(
        "Proposer un référent",
        {"referent_accepte": True, "date_premier_entretien": s.day(3), "accord_partage_informations": True},
        lane="accueil",
        form="proposition_referent.schema.json",
    )


def diagnostic(s: Scenario, *, frein_logement: str = "aucun") -> None:
    """bloc_diagnostic: every theme assessed; a major social barrier mobilises a partner."""
    themes = "emploi formation mobilite sante budget contraintes_familiales francais numerique demarches"
    freins = {f"frein_{theme}": "a_explorer" for theme in themes.split()}
    s.do(
        "Réaliser le diagnostic global",
        {
            "date_diagnostic": s.day(),
            **freins,
            "frein_logement": frein_logement,
            "theme_prioritaire": "emploi",
        },
        lane="referent",
        form="diagnostic.schema.json",
    )
    if frein_logement == "frein_important":
        s.do(
            "Mobiliser un partenaire spécialisé",
            {
                "theme": "logement",
                "partenaire": "siao",
                "date_rendez_vous": s.day(5),
                "accord_personne": True,
            },
            lane="referent",
        )


def contractualisation(s: Scenario, *, rework: bool = False) -> None:
    """bloc_contractualisation: define, validate (after one rework when asked) and formalise."""
    projet = {"objectif_parcours": "emploi", "secteur_vise": "N", "echeance_objectif": s.day(months=6)}
    s.do("Définir le projet avec la personne", projet, lane="referent", form="projet.schema.json")
    if rework:
        s.do(
            "Valider le projet",
            {"projet_valide": False, "date_validation": s.day(), "motif_non_validation": "enquete_metier"},
        )
        s.do("Définir le projet avec la personne", projet)
    s.do("Valider le projet", {"projet_valide": True, "date_validation": s.day()}, lane="referent")
    s.do(
        "Formaliser le parcours et ses engagements",
        {
            "date_signature": s.day(),
            "etapes_prevues": ["formation", "immersion"],
            "engagements_acceptes": True,
        },
        lane="referent",
    )


def sortie(s: Scenario, issue: str, **extra: Any) -> None:
    """bloc_sortie: the referent records the outcome chosen."""
    s.do(
        "Enregistrer la sortie",
        {"issue": issue, "date_sortie": s.day(), **extra},
        lane="referent",
        form="sortie.schema.json",
    )


# --- the measure blocks: prescribed, entry confirmed by the partner, planned end, bilan --------


def _confirm_entry(s: Scenario, task: str, lane: str, started: bool) -> None:
    entry = {"entree_confirmee": True, "date_entree_mesure": s.day()}
    refused = {"entree_confirmee": False, "motif_non_entree": "desistement"}
    s.do(task, entry if started else refused, lane=lane, form="entree_mesure.schema.json")


def formation(s: Scenario, *, days: int = 60, started: bool = True) -> None:
    s.do(
        "Prescrire la formation",
        {
            "type_formation": "qualifiante",
            "organisme": "afpa",
            "secteur": "F",
            "date_debut_prevue": s.day(),
            "date_fin_prevue": s.day(days),
            "remuneree": True,
        },
        lane="referent",
        form="formation_prescription.schema.json",
    )
    _confirm_entry(s, "Confirmer l'entrée en formation", "partenaire", started)
    if started:
        assert s.pathway.idle_since is None, "a training under way is a running measure"
        s.advance(days=days + 1).fire_timers()
        s.do(
            "Faire le bilan de la formation",
            {
                "resultat_mesure": "objectif_atteint",
                "date_fin_reelle": s.day(),
                "certification_obtenue": True,
            },
            lane="referent",
            form="bilan_mesure.schema.json",
        )


def immersion(s: Scenario, *, days: int = 14) -> None:
    s.do(
        "Organiser l'immersion en entreprise",
        {
            "entreprise": "Garage Martin",
            "secteur": "I",
            "code_rome": "I1604",
            "objet_immersion": "confirmer_projet",
            "date_debut_prevue": s.day(),
            "date_fin_prevue": s.day(days),
            "convention_signee": True,
        },
        lane="referent",
        form="immersion_prescription.schema.json",
    )
    _confirm_entry(s, "Confirmer l'accueil en immersion", "employeur", True)
    s.advance(days=days + 1).fire_timers()
    s.do(
        "Remplir le bilan de l'immersion (tuteur)",
        {
            "objectif_atteint": "oui",
            "assiduite": "reguliere",
            "recrutement_envisage": True,
            "date_bilan": s.day(),
        },
        lane="employeur",
        form="bilan_immersion_tuteur.schema.json",
    )
    s.do(
        "Faire le bilan de l'immersion",
        {"resultat_mesure": "objectif_atteint", "date_fin_reelle": s.day()},
        lane="referent",
    )


def recherche_emploi(s: Scenario, *, days: int = 30, result: str = "a_poursuivre") -> None:
    s.do(
        "Définir le plan de recherche d'emploi",
        {
            "actions": ["atelier_cv", "mise_en_relation"],
            "date_debut_prevue": s.day(),
            "date_fin_prevue": s.day(days),
        },
        lane="referent",
        form="recherche_emploi_plan.schema.json",
    )
    assert s.pathway.idle_since is None, "a job search under way is a running measure"
    s.advance(days=days).fire_timers()
    s.do(
        "Faire le point sur la recherche d'emploi",
        {"resultat_recherche": result, "nb_candidatures": 12, "nb_entretiens": 2, "date_fin_reelle": s.day()},
        lane="referent",
        form="bilan_recherche_emploi.schema.json",
    )


def logement(s: Scenario) -> None:
    s.do(
        "Constituer la demande de logement",
        {"type_demande": "fjt", "partenaire": "fjt", "date_demande": s.day()},
        lane="referent",
        form="logement_demande.schema.json",
    )
    s.advance(days=20)
    s.do(
        "Répondre à la demande de logement",
        {"reponse_logement": "accordee", "date_reponse": s.day(), "date_entree_logement": s.day(10)},
        lane="partenaire",
        form="logement_reponse.schema.json",
    )


def volontariat(s: Scenario, *, jours: int = 10, started: bool = True) -> None:
    s.do(
        "Organiser l'activité bénévole",
        {
            "type_volontariat": "contrat_social_jeune",
            "association": "Les Restos du Cœur",
            "lien_projet": "secteur_vise",
            "nb_jours_prevus": 10,
            "date_debut_prevue": s.day(),
            "date_fin_prevue": s.day(14),
        },
        lane="referent",
        form="volontariat_prescription.schema.json",
    )
    _confirm_entry(s, "Confirmer l'accueil dans l'association", "partenaire", started)
    if started:
        s.advance(days=15).fire_timers()
        s.do(
            "Attester les jours réalisés",
            {"jours_realises": jours, "attestation_remise": True, "date_fin_reelle": s.day()},
            lane="partenaire",
            form="volontariat_attestation.schema.json",
        )


def job(s: Scenario, task: str = "Enregistrer l'emploi", **contract: Any) -> None:
    """A job taken: the "Prise de poste" form (`emploi`); `contract` overrides type and duration."""
    s.do(
        task,
        {
            "type_contrat": "cdi",
            "employeur": "Boulangerie du Port",
            "secteur": "D",
            "code_rome": "D1102",
            "date_debut_contrat": s.day(),
            "temps_travail": "temps_plein",
            **contract,
        },
        lane="referent",
        form="emploi.schema.json",
    )


def suivi_emploi(s: Scenario, *, months_to_consolidate: int = 2, **contract: Any) -> None:
    """bloc_suivi_emploi: the job, then a monthly point until it is consolidated."""
    job(s, "Enregistrer la prise de poste", **contract)
    for month in range(1, months_to_consolidate + 1):
        s.advance(months=1, days=1).fire_timers()  # the monthly timer counts from the last point
        s.do(
            "Faire le point dans l'emploi",
            {
                "date_point": s.day(),
                "emploi_maintenu": True,
                "emploi_consolide": month == months_to_consolidate,
            },
            lane="referent",
            form="point_emploi.schema.json",
        )
