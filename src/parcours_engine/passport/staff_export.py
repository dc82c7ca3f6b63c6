"""The staff side of the right of access (RGPD Art. 15): a referent hands a person everything held
about them, for a person who has no portal access (or cannot use it).

The document is the portal's own (`portal_export`), as JSON or as a PDF (`export_pdf`); each
hand-out is in the access log as `export`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.permissions import Action
from parcours_engine.passport import export_pdf, portal_export
from parcours_engine.persistence.models import Account


def export(session: Session, clock: Clock, actor: Account, person_id: int, route: str) -> dict[str, Any]:
    """Everything held about the person, if `actor` may export their file (EXPORT_PERSON); logged."""
    person = access.beneficiary_for(session, clock, actor, person_id, Action.EXPORT_PERSON, route)
    return portal_export.export(session, clock, person.id)


def export_as_pdf(
    session: Session, clock: Clock, actor: Account, person_id: int, route: str
) -> tuple[str, bytes]:
    """The same document as a PDF, with the person's identifier (for the file's name); logged."""
    data = export(session, clock, actor, person_id, route)
    return str(data["person"]["identifier"]), export_pdf.render(data, clock.now())
