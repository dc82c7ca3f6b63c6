"""The person's consent to share their passport with a structure, recorded by their referent.

Seed 002's charter: the information belongs to the person; nobody passes it on without their
agreement; the partners' referents of the people they follow have a right to write. Who may read and
write a passport, record a consent or print an access card is the permission table's business
(domain.permissions: READ_PASSPORT, WRITE_PASSPORT, RECORD_CONSENT, PRINT_ACCESS_CARD): a partner
reads and writes only while the person's consent to share with the partner's structure is in force;
consents are recorded by the person's referent (or an admin). A person who does not exist answers
NotFound; one who is not yours answers Forbidden.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import FieldError, InvalidInput
from parcours_engine.domain.permissions import Action
from parcours_engine.persistence import consents
from parcours_engine.persistence.models import Account, Structure
from parcours_engine.persistence.models.passport import SharingConsent


def active(session: Session, beneficiary_id: int, structure_id: int | None) -> SharingConsent | None:
    """The consent in force for this person and structure, if any."""
    if structure_id is None:
        return None
    return consents.in_force(session, SharingConsent, beneficiary_id, structure_id=structure_id)


def give(
    session: Session,
    clock: Clock,
    account: Account,
    beneficiary_id: int,
    structure_id: int,
    given_on: date,
    route: str,
) -> SharingConsent:
    """Record that the person agreed to share their passport with `structure_id`."""
    person = access.beneficiary_for(session, clock, account, beneficiary_id, Action.RECORD_CONSENT, route)
    if session.get(Structure, structure_id) is None:
        raise InvalidInput(field_errors={"structure_id": [FieldError("field.choice")]})
    consents.check_given_on(clock, given_on)
    return consents.record(
        session, clock, SharingConsent, person.id, given_on, account.username, structure_id=structure_id
    )


def withdraw(
    session: Session, clock: Clock, account: Account, beneficiary_id: int, consent_id: int, route: str
) -> SharingConsent:
    """Record that the person withdrew a consent: the structure loses its access at once."""
    person = access.beneficiary_for(session, clock, account, beneficiary_id, Action.RECORD_CONSENT, route)
    return consents.withdraw(session, clock, SharingConsent, person.id, consent_id, account.username)


def listing(session: Session, beneficiary_id: int) -> list[tuple[SharingConsent, Structure]]:
    """Every consent of the person, in force or withdrawn, newest first, with its structure."""
    rows = session.execute(
        select(SharingConsent, Structure)
        .join(Structure, Structure.id == SharingConsent.structure_id)
        .where(SharingConsent.beneficiary_id == beneficiary_id)
        .order_by(SharingConsent.recorded_at.desc(), SharingConsent.id.desc())
    )
    return [(consent, structure) for consent, structure in rows]


def structures(session: Session) -> list[Structure]:
    """The structures a person may agree to share their passport with, by name."""
    return list(session.scalars(select(Structure).order_by(Structure.name)))
