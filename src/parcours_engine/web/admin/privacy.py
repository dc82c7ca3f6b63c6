"""Personal data in the admin area: the review of the access log ("Accès inhabituels", accounts
reading many files a day; admins) and the register of personal data ("Données personnelles"; admins
and supervisors, READ_PRIVACY_REGISTER in web.permissions)."""

from __future__ import annotations

from flask import render_template
from flask_babel import gettext as _

from parcours_engine.accounts import access_review
from parcours_engine.accounts import privacy_register as privacy_register_service
from parcours_engine.web.admin import bp, role_label
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account


@bp.get("/acces-inhabituels")
def unusual_access() -> str:
    days = access_review.unusual_access(db_session(), clock(), current_account())
    return render_template(
        "admin/unusual_access.html",
        days=days,
        threshold=access_review.reads_per_day_threshold(),
        review_days=access_review.REVIEW_DAYS,
    )


@bp.get("/donnees-personnelles")
def privacy_register() -> str:
    """The register of personal data, generated from the code's configuration (admins, supervisors)."""
    found = privacy_register_service.for_account(db_session(), current_account(), clock().now())
    return render_template(
        "admin/privacy_register.html",
        register=found,
        profile_label=_profile_label,
        scope_label=_scope_label,
        action_label=_action_label,
    )


def _profile_label(code: str) -> str:
    """A profile of the permission table: an account's role (`role_label`), reception or the person."""
    labels = {"reception": _("Accueil"), "beneficiary": _("La personne elle-même")}
    return labels[code] if code in labels else role_label(code)


def _scope_label(code: str) -> str:
    labels = {
        "self": _("les siens"),
        "own_caseload": _("sa file active"),
        "team_lane": _("les tâches de son équipe"),
        "structure": _("sa structure"),
        "partner_with_consent": _("avec le consentement de la personne"),
        "all": _("tous"),
    }
    return labels.get(code, code)


def _action_label(code: str) -> str:
    labels = {
        "read_person": _("consulter la personne"),
        "search_people": _("rechercher"),
        "export_person": _("exporter ses données"),
        "register_person": _("inscrire"),
        "rectify_person": _("rectifier l'identité"),
        "erase_person": _("anonymiser"),
        "read_pathway": _("consulter le parcours"),
        "list_pathways": _("lister les parcours"),
        "read_stalled_list": _("lister les parcours bloqués"),
        "start_pathway": _("démarrer un parcours"),
        "change_pathway": _("traiter les tâches"),
        "transfer_referent": _("transférer"),
        "exit_pathway": _("enregistrer la sortie"),
        "correct_exit": _("corriger la sortie"),
        "read_passport": _("consulter le passeport"),
        "write_passport": _("compléter le passeport"),
        "list_shared_people": _("lister les personnes partagées"),
        "record_consent": _("enregistrer le consentement"),
        "print_access_card": _("imprimer la carte d'accès"),
        "read_access_history": _("lire l'historique des accès"),
        "administer": _("administrer"),
    }
    return labels.get(code, code)
