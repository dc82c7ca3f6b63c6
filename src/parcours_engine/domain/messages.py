"""The one catalogue of error and field-error codes, French first, English beside it.

Pages, the API (`code`, `message`, `field_errors`) and the CLI all render a code through `render`, so
a message is written once and reads the same everywhere. Parameters are named (`%(limit)s`); a code
the catalogue does not know reads as itself (a bug to fix, never a crash): a test renders every code
in both languages and checks that each names the same parameters in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LANGUAGES = ("fr", "en")

# code: (French, English)
MESSAGES: dict[str, tuple[str, str]] = {
    # -- generic ------------------------------------------------------------------------------------
    "error.failed": ("L'opération n'a pas pu aboutir.", "The operation could not be completed."),
    "error.not_found": ("Cette page n'existe pas.", "This page does not exist."),
    "error.forbidden": ("Vous n'avez pas accès à ce dossier.", "You do not have access to this file."),
    "error.conflict": (
        "Quelqu'un d'autre a modifié ce dossier en même temps ; rechargez la page et recommencez.",
        "Someone else changed this at the same time; reload and try again.",
    ),
    "error.invalid_input": (
        "Certaines informations ne sont pas valides.",
        "Some of the information is not valid.",
    ),
    "error.unavailable": (
        "La base de données ne peut pas enregistrer pour l'instant ; réessayez dans un moment.",
        "The database cannot save right now; try again in a moment.",
    ),
    "error.internal": (
        "Une erreur inattendue est survenue ; elle a été enregistrée.",
        "An unexpected error occurred; it was logged.",
    ),
    "error.csrf": (
        "Le formulaire a expiré : rechargez la page et recommencez.",
        "The form expired: reload the page and try again.",
    ),
    "error.bad_request": ("La demande n'est pas valide.", "The request is not valid."),
    "error.unauthorized": (
        "Connectez-vous pour continuer (jeton d'API manquant ou invalide).",
        "Sign in to continue (missing or invalid API token).",
    ),
    "error.method_not_allowed": (
        "Cette action n'est pas possible ici.",
        "This action is not possible here.",
    ),
    "error.too_large": ("La demande est trop volumineuse.", "The request is too large."),
    "error.json_body": (
        "Le corps de la demande doit être un objet JSON.",
        "The request body must be a JSON object.",
    ),
    # -- races ---------------------------------------------------------------------------------------
    "pathway.changed_meanwhile": (
        "Quelqu'un d'autre a modifié ce parcours en même temps ; rechargez la page et recommencez.",
        "Someone else changed this pathway at the same time; reload and try again.",
    ),
    "draft.saved_meanwhile": (
        "Quelqu'un d'autre a enregistré ce brouillon en même temps ; rechargez-le.",
        "Someone else saved this draft at the same time; reload it.",
    ),
    "admin.changed_meanwhile": (
        "Un autre administrateur a modifié les comptes en même temps ; rechargez la page et recommencez.",
        "Another admin changed the accounts at the same time; reload and try again.",
    ),
    # -- tasks ---------------------------------------------------------------------------------------
    "task.takes_no_data": (
        "Cette tâche n'a pas de formulaire et ne prend aucune donnée.",
        "This task has no form and takes no data.",
    ),
    "task.form_missing": (
        "Le formulaire %(form)s ne fait pas partie de cette version du programme.",
        "Form %(form)s is not part of this programme version.",
    ),
    "task.form_unusable": (
        "Le formulaire %(form)s du modèle est inutilisable ; un incident a été enregistré pour la "
        "coordination (%(detail)s).",
        "The model's form %(form)s cannot be used; an incident was recorded for the coordinators "
        "(%(detail)s).",
    ),
    # -- models and transitions ----------------------------------------------------------------------
    "pathway.transition_failed": (
        "Le modèle du programme a échoué à cette étape ; rien n'a été enregistré et un incident a été "
        "signalé à la coordination (%(detail)s).",
        "The programme's model failed at this step; nothing was saved and an incident was reported "
        "to the coordinators (%(detail)s).",
    ),
    "model.invalid": (
        "Le modèle ne peut pas être publié :\n%(problems)s",
        "The model cannot be published:\n%(problems)s",
    ),
    "model.script_failed": (
        "Un script du modèle a échoué : %(detail)s",
        "A script of the model failed: %(detail)s",
    ),
    # -- versions of a programme and migrating pathways (services.versions, .pathway_migration) -----
    "programme.not_published": (
        "Le programme %(programme)s n'a aucune version publiée.",
        "There is no published version of programme %(programme)s.",
    ),
    "version.not_found": (
        "La version %(number)s du programme %(programme)s n'existe pas.",
        "Version %(number)s of programme %(programme)s does not exist.",
    ),
    "version.unknown": ("Cette version de programme n'existe pas.", "This programme version does not exist."),
    "version.other_programme": (
        "Les deux versions doivent appartenir au même programme.",
        "Both versions must belong to the same programme.",
    ),
    "migration.not_allowed": (
        "Seuls les coordinateurs et les administrateurs peuvent migrer des parcours.",
        "Only coordinators and admins may migrate pathways.",
    ),
    "migration.other_programme": (
        "Le parcours n° %(pathway)s n'appartient pas au programme %(programme)s.",
        "Pathway %(pathway)s is not in programme %(programme)s.",
    ),
    "migration.pathway_ended": ("Le parcours n° %(pathway)s est terminé.", "Pathway %(pathway)s has ended."),
    "migration.already_on_version": (
        "Le parcours n° %(pathway)s est déjà sur la version %(version)s.",
        "Pathway %(pathway)s is already on version %(version)s.",
    ),
    # -- fields -------------------------------------------------------------------------------------
    "field.required": ("Champ obligatoire.", "Required."),
    "field.integer": ("Saisissez un nombre entier.", "Enter a whole number."),
    "field.number": ("Saisissez un nombre.", "Enter a number."),
    "field.boolean": ("Choisissez oui ou non.", "Choose yes or no."),
    "field.text": ("Saisissez un texte.", "Enter some text."),
    "field.choice": ("Choisissez une valeur de la liste.", "Choose a value from the list."),
    "field.date": ("Saisissez une date (jj/mm/aaaa).", "Enter a date (dd/mm/yyyy)."),
    "field.minimum": ("La valeur doit être au moins %(limit)s.", "The value must be at least %(limit)s."),
    "field.maximum": ("La valeur doit être au plus %(limit)s.", "The value must be at most %(limit)s."),
    "field.too_long": (
        "Texte trop long (%(limit)s caractères au plus).",
        "Too long (at most %(limit)s characters).",
    ),
    "field.too_short": ("Champ obligatoire.", "Required."),
    "field.pattern": ("Format incorrect.", "Wrong format."),
    "field.unknown": ("Ce champ n'est pas attendu.", "This field is not expected."),
    "field.invalid": ("Valeur non valide.", "Invalid value."),
    "field.date_before": (
        "La date doit être au plus tard le %(limit)s.",
        "The date must be on or before %(limit)s.",
    ),
    "field.date_after": (
        "La date doit être au plus tôt le %(limit)s.",
        "The date must be on or after %(limit)s.",
    ),
    "field.period_reversed": (
        "La fin de la période précède son début.",
        "The period ends before it starts.",
    ),
}


def render(code: str, params: Mapping[str, Any] | None = None, language: str = "fr") -> str:
    """The text of `code` in `language` ("fr" unless "en"), with its parameters filled in."""
    texts = MESSAGES.get(code)
    if texts is None:
        return code
    template = texts[1] if language == "en" else texts[0]
    try:
        return template % dict(params or {}) if "%(" in template else template
    except (KeyError, TypeError, ValueError):
        return template


def known(code: str) -> bool:
    return code in MESSAGES
