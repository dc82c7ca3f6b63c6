"""The admin area: structures and accounts managed in the browser by a département's admin.

Admins only (403 for every other role; the sign-in page for nobody signed in). The views parse the
form, call accounts.administration and render; a refused form comes back with its values and the
errors next to the fields (400), the service's field-error codes rendered by the one catalogue
(web.errors.field_messages). The labels of the closed lists (roles, teams, kinds of structure,
journal entries) are worded here, in the reader's language.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Blueprint, redirect, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import login_required
from werkzeug.wrappers import Response

from parcours_engine.domain.roles import LANE_ROLES
from parcours_engine.web.permissions import gate

bp = Blueprint("admin", __name__, url_prefix="/admin")
PARIS = ZoneInfo("Europe/Paris")


@bp.before_request
@login_required
def _admins_only() -> None:
    gate()  # ADMINISTER (web.permissions)


@bp.get("/")
def home() -> Response:
    return redirect(url_for("admin.account_list"))


def role_label(code: str | None) -> str:
    labels = {
        "admin": _("Administrateur"),
        "coordinator": _("Coordinateur"),
        "counsellor": _("Conseiller"),
        "supervisor": _("Superviseur"),
        "partner": _("Partenaire"),
    }
    return labels.get(code or "", code or "—")


def team_label(code: str | None) -> str:
    for role in LANE_ROLES:
        if role.code == code:
            return role.label_fr if str(get_locale()) == "fr" else role.label_en
    return code or "—"


def kind_label(code: str | None) -> str:
    labels = {
        "mission_locale": _("Mission locale"),
        "csp_team": _("Équipe CSP"),
        "partner": _("Structure partenaire"),
    }
    return labels.get(code or "", code or "—")


def event_label(kind: str) -> str:
    labels = {
        "account_created": _("Compte créé"),
        "account_changed": _("Compte modifié"),
        "password_reset": _("Mot de passe réinitialisé"),
        "deactivated": _("Compte désactivé"),
        "reactivated": _("Compte réactivé"),
        "token_revoked": _("Jeton d'API révoqué"),
        "second_factor_reset": _("Second facteur réinitialisé"),
        "structure_created": _("Structure créée"),
        "structure_renamed": _("Structure renommée"),
    }
    return labels.get(kind, kind)


def field_label(name: str) -> str:
    labels = {
        "username": _("Identifiant"),
        "role": _("Rôle"),
        "team": _("Équipe"),
        "structure": _("Structure"),
        "routing_code": _("Code d'affectation"),
        "active": _("Actif"),
        "code": _("Code"),
        "name": _("Nom"),
        "kind": _("Type"),
        "token": _("Jeton d'API"),
    }
    return labels.get(name, name)


def value_label(name: str, value: Any) -> str:
    """A journal value in words: labels for the closed lists, codes as they are."""
    if value is None:
        return "—"
    if name == "role":
        return role_label(value)
    if name == "team":
        return team_label(value)
    if name == "kind":
        return kind_label(value)
    if name == "active":
        return _("oui") if value else _("non")
    return str(value)


def local_time(at: datetime) -> str:
    """A journal instant as read in France (stored in UTC)."""
    return at.astimezone(PARIS).strftime("%d/%m/%Y %H:%M")


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "local_time": local_time,
        "role_label": role_label,
        "team_label": team_label,
        "kind_label": kind_label,
        "event_label": event_label,
        "field_label": field_label,
        "value_label": value_label,
    }


# The views register themselves on `bp`.
from parcours_engine.web.admin import accounts, privacy, structures  # noqa: E402, F401
