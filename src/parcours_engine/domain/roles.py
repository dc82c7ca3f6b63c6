"""The closed list of roles: BPMN lanes name one of these, accounts hold them.

A lane's name in a model is matched to a role by its code or its French label, ignoring case and
accents, so a coordinator may write "Référent" or "referent" and mean the same role.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True)
class Role:
    code: str
    label_fr: str
    label_en: str


LANE_ROLES: tuple[Role, ...] = (
    Role("accueil", "Accueil", "Reception"),
    Role("referent", "Référent", "Referent"),
    Role("commission", "Commission", "Committee"),
    Role("partenaire", "Partenaire", "Partner"),
    Role("coordination", "Coordination", "Coordination"),
    Role("employeur", "Employeur", "Employer"),
)

# Account roles (who signs in); lanes above are the work roles tasks are routed to.
ACCOUNT_ROLES: tuple[str, ...] = (
    "admin",
    "coordinator",
    "counsellor",
    "supervisor",
    "partner",
    "beneficiary",
)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_BY_KEY = {key: role for role in LANE_ROLES for key in (_fold(role.code), _fold(role.label_fr))}


def role_for_lane(lane_name: str | None) -> Role | None:
    """The role a lane names, or None when the name is not in the closed list."""
    if not lane_name:
        return None
    return _BY_KEY.get(_fold(lane_name))


def lane_names() -> list[str]:
    """What a modeller may write as a lane name (French labels)."""
    return [role.label_fr for role in LANE_ROLES]
