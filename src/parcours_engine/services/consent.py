"""Who may read and write a person's passport, and the person's consent to share it with a structure.

Seed 002's charter: the information belongs to the person; nobody passes it on without their
agreement; the passport is administered by the mission locale, and the partners' referents of the
people they follow have a right to write. So:
- an admin may read and write every passport;
- a counsellor may read and write the passports of the people whose pathway they may see (their
  caseload, see services.access);
- a supervisor may read the passports of the people with a pathway in their structure;
- a partner (account role "partner") may read and write only while the person's consent to share
  with the partner's structure is in force, whatever else they see;
- anyone else: none.
A person who does not exist answers NotFound; one who is not yours answers Forbidden.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import ConflictError, Forbidden, InvalidInput, NotFound
from parcours_engine.persistence.models import Account, Beneficiary, Pathway, Structure
from parcours_engine.persistence.passport_models import SharingConsent
from parcours_engine.services import access

READ, WRITE = "read", "write"


def active(session: Session, beneficiary_id: int, structure_id: int | None) -> SharingConsent | None:
    """The consent in force for this person and structure, if any."""
    if structure_id is None:
        return None
    consent: SharingConsent | None = session.scalar(
        select(SharingConsent).where(
            SharingConsent.beneficiary_id == beneficiary_id,
            SharingConsent.structure_id == structure_id,
            SharingConsent.withdrawn_at.is_(None),
        )
    )
    return consent


def follows(session: Session, account: Account, beneficiary_id: int) -> bool:
    """Whether one of the person's pathways is visible to `account` (caseload, structure)."""
    visible = exists().where(Pathway.beneficiary_id == beneficiary_id, access.pathway_filter(account))
    return bool(session.scalar(select(visible)))


def check(session: Session, account: Account, beneficiary_id: int, mode: str) -> Beneficiary:
    """The person if `account` may read (mode READ) or write (WRITE) their passport."""
    person = session.get(Beneficiary, beneficiary_id)
    if person is None:
        raise NotFound(f"no beneficiary {beneficiary_id}")
    if not account.active:
        raise Forbidden("this account is disabled")
    if account.role == "admin":
        return person
    if account.role == "partner":
        if active(session, beneficiary_id, account.structure_id) is None:
            raise Forbidden("the person has not agreed to share their passport with your structure")
        return person
    staff = account.role == "counsellor" or (account.role == "supervisor" and mode == READ)
    if staff and follows(session, account, beneficiary_id):
        return person
    raise Forbidden("this passport is not yours to " + ("read" if mode == READ else "change"))


def may_manage(session: Session, account: Account, beneficiary_id: int) -> Beneficiary:
    """Consents and access codes are the referent's business: admins and following counsellors."""
    person = session.get(Beneficiary, beneficiary_id)
    if person is None:
        raise NotFound(f"no beneficiary {beneficiary_id}")
    if account.role == "admin" or (account.role == "counsellor" and follows(session, account, person.id)):
        return person
    raise Forbidden("only the person's referent records this")


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
    person = may_manage(session, account, beneficiary_id)
    if session.get(Structure, structure_id) is None:
        raise InvalidInput("unknown structure", {"structure": ["unknown structure"]})
    if given_on > clock.now().date():
        raise InvalidInput("a consent cannot be given in the future", {"given_on": ["in the future"]})
    if active(session, person.id, structure_id) is not None:
        raise ConflictError("this consent is already in force")
    consent = SharingConsent(
        beneficiary_id=person.id,
        structure_id=structure_id,
        given_on=given_on,
        recorded_at=clock.now(),
        recorded_by=account.username,
    )
    session.add(consent)
    session.flush()
    access.log(session, clock, account, person.id, None, access.CHANGE, route)
    return consent


def withdraw(
    session: Session, clock: Clock, account: Account, beneficiary_id: int, consent_id: int, route: str
) -> SharingConsent:
    """Record that the person withdrew a consent: the structure loses its access at once."""
    person = may_manage(session, account, beneficiary_id)
    consent = session.get(SharingConsent, consent_id)
    if consent is None or consent.beneficiary_id != person.id:
        raise NotFound(f"no consent {consent_id}")
    if consent.withdrawn_at is not None:
        raise ConflictError("this consent was already withdrawn")
    consent.withdrawn_at, consent.withdrawn_by = clock.now(), account.username
    session.flush()
    access.log(session, clock, account, person.id, None, access.CHANGE, route)
    return consent


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
