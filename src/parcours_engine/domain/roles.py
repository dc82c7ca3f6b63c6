"""The closed list of lanes (work roles): BPMN lanes name one of these, accounts' teams hold them.

A lane's name in a model is matched to a role by its code or its French label, ignoring case and
accents, so a coordinator may write "Référent" or "referent" and mean the same role.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from parcours_engine.domain.enums import AccountRole, Lane


@dataclass(frozen=True)
class LaneLabel:
    """A lane (domain.enums.Lane) with the names a modeller and a reader see."""

    code: str
    label_fr: str
    label_en: str


LANE_ROLES: tuple[LaneLabel, ...] = (
    LaneLabel(Lane.ACCUEIL, "Accueil", "Reception"),
    LaneLabel(Lane.REFERENT, "Référent", "Referent"),
    LaneLabel(Lane.COMMISSION, "Commission", "Committee"),
    LaneLabel(Lane.PARTENAIRE, "Partenaire", "Partner"),
    LaneLabel(Lane.COORDINATION, "Coordination", "Coordination"),
    LaneLabel(Lane.EMPLOYEUR, "Employeur", "Employer"),
)

# Account roles (who signs in); lanes above are the work roles tasks are routed to.
ACCOUNT_ROLES: tuple[str, ...] = tuple(AccountRole)


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_BY_KEY = {key: role for role in LANE_ROLES for key in (_fold(role.code), _fold(role.label_fr))}


def role_for_lane(lane_name: str | None) -> LaneLabel | None:
    """The role a lane names, or None when the name is not in the closed list."""
    if not lane_name:
        return None
    return _BY_KEY.get(_fold(lane_name))


def lane_names() -> list[str]:
    """What a modeller may write as a lane name (French labels)."""
    return [role.label_fr for role in LANE_ROLES]
