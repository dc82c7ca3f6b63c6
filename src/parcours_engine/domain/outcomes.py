"""Exit outcomes: a closed list, with the rules funders read ("sortie positive", "emploi durable")."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Outcome:
    code: str
    label_fr: str
    label_en: str
    positive: bool
    durable_employment: bool = False


OUTCOMES: tuple[Outcome, ...] = (
    Outcome("cdi", "CDI", "Permanent contract", positive=True, durable_employment=True),
    Outcome("cdd_6_mois_plus", "CDD de 6 mois ou plus", "Fixed-term contract, 6 months or more", True, True),
    Outcome("cdd_moins_6_mois", "CDD de moins de 6 mois", "Fixed-term contract under 6 months", True),
    Outcome(
        "alternance",
        "Alternance (apprentissage, contrat de professionnalisation)",
        "Work-study contract",
        True,
        True,
    ),
    Outcome("formation_qualifiante", "Formation qualifiante", "Qualifying training", True),
    Outcome("creation_entreprise", "Création d'entreprise", "Business creation", True),
    Outcome("demenagement", "Déménagement", "Moved away", False),
    Outcome("fin_suivi", "Fin de la période de suivi", "End of the follow-up period", False),
    Outcome("abandon", "Abandon", "Dropped out", False),
    Outcome("limite_age", "Limite d'âge atteinte", "Age limit reached", False),
    Outcome(
        "reorientation", "Réorientation vers un autre dispositif", "Reoriented to another programme", False
    ),
    Outcome(
        "non_eligible",
        "Non éligible, orienté vers un partenaire",
        "Not eligible, referred to a partner",
        False,
    ),
    Outcome("autre", "Autre", "Other", False),
)

BY_CODE: dict[str, Outcome] = {o.code: o for o in OUTCOMES}


@dataclass(frozen=True)
class CorrectionReason:
    """Why an exit recorded by mistake was corrected (a closed list: the figures' audit reads it)."""

    code: str
    label_fr: str
    label_en: str


CORRECTION_REASONS: tuple[CorrectionReason, ...] = (
    CorrectionReason("erreur_saisie", "Erreur de saisie", "Entry mistake"),
    CorrectionReason(
        "justificatif_recu", "Justificatif reçu après la sortie", "Proof received after the exit"
    ),
    CorrectionReason(
        "situation_precisee", "Situation précisée par la personne", "Situation clarified by the person"
    ),
    CorrectionReason("date_erronee", "Date de sortie erronée", "Wrong exit date"),
)

REASONS_BY_CODE: dict[str, CorrectionReason] = {r.code: r for r in CORRECTION_REASONS}


def outcome(code: str) -> Outcome:
    """The outcome with this code; KeyError names the closed list when it is not in it."""
    try:
        return BY_CODE[code]
    except KeyError:
        raise KeyError(f"unknown outcome {code!r}; expected one of {', '.join(BY_CODE)}") from None
