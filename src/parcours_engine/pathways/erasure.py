"""Erasure on request (RGPD Art. 17, Art. 21): a person's file anonymised now, where the legal basis
allows it, with the reason recorded.

The anonymisation is the retention job's own (`retention.anonymise`): identity, answers, details,
uploads' contents, portal access, corrections and access log about the person go; the rows the
funders' indicators count stay, so past years' figures read the same. The reason is one of a closed
list, recorded in the `erasure` row with who asked and when.

A person with a pathway still open is refused: the pathway's data is needed to follow them (the
legal basis of the processing still holds). The referent ends the pathway (its exit) first.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import PathwayStatus
from parcours_engine.domain.errors import ConflictError, FieldError, Forbidden, InvalidInput
from parcours_engine.domain.permissions import Action
from parcours_engine.pathways import retention
from parcours_engine.persistence.models import Account, Beneficiary, Erasure, Pathway

# code → the reason as recorded (French: the register's language and the DPO's).
REASONS: dict[str, str] = {
    "opposition": "droit d'opposition accepté",
    "effacement": "demande d'effacement (art. 17 RGPD)",
    "erreur": "erreur de saisie / doublon",
}


def open_pathways(session: Session, person_id: int) -> int:
    """How many of the person's pathways are still open (each one refuses the erasure)."""
    query = select(func.count(Pathway.id)).where(
        Pathway.beneficiary_id == person_id, Pathway.status == PathwayStatus.ACTIVE
    )
    return session.scalar(query) or 0


def prepare(session: Session, clock: Clock, actor: Account, person_id: int, route: str) -> Beneficiary:
    """The person whose erasure `actor` is about to confirm (ERASE_PERSON), logged as a read."""
    access.require(actor, Action.ERASE_PERSON)
    person = access.beneficiary_for(session, clock, actor, person_id, Action.READ_PERSON, route)
    if not access.may_person(session, actor, person.id, Action.ERASE_PERSON):
        raise Forbidden("access.not_your_caseload")
    return person


def check(session: Session, person_id: int, reason: str) -> None:
    """Refuse a reason outside the list (InvalidInput) or a person with an open pathway (ConflictError)."""
    if reason not in REASONS:
        raise InvalidInput(field_errors={"reason": [FieldError("erasure.reason")]})
    still_open = open_pathways(session, person_id)
    if still_open:
        raise ConflictError("erasure.pathway_open", count=still_open)


def erase(session: Session, clock: Clock, actor: Account, person_id: int, reason: str, route: str) -> Erasure:
    """Anonymise the person's file now for `reason` (a code of REASONS), if `actor` may
    (ERASE_PERSON) and `check` lets it; nothing changes when refused."""
    person = access.beneficiary_for(session, clock, actor, person_id, Action.ERASE_PERSON, route)
    check(session, person.id, reason)
    retention.anonymise(session, clock, person.id, retention.REQUEST, REASONS[reason], actor.id)
    erased = session.scalar(select(Erasure).where(Erasure.beneficiary_id == person.id))
    assert erased is not None  # just written
    return erased
