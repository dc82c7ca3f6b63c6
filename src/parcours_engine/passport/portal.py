"""The person's own access (seed 002): identifier + access code, and what they may read about themselves.

The referent hands the person an access code (printed on a card); only its argon2 hash is stored, and
issuing a new one is how the referent resets a lost code; it also ends the sessions opened with the
old one (the session cookie carries `session_generation`, which a new card or a sign-out bumps).

Sign-in is throttled per address (`BY_ADDRESS`), never per person: a lock per identifier would let
anyone lock every person out (identifiers are sequential) and would tell which identifiers have a
code. Every attempt costs one argon2 verification and gets the same answer whatever the identifier.
The person reads their passport and their pathways and may export everything held about them;
nothing here writes anything about them but the sign-in bookkeeping.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import PathwayStatus, WorkItemStatus
from parcours_engine.domain.errors import FieldError, InvalidInput, ParcoursError
from parcours_engine.domain.permissions import Action
from parcours_engine.persistence import throttles
from parcours_engine.persistence.models import AccessLog, Account, Beneficiary, Pathway, Structure, WorkItem
from parcours_engine.persistence.models.passport import PortalAccess

MAX_FAILURES = 10  # wrong codes from one address, whatever the identifiers
LOCK_DURATION = timedelta(minutes=30)
BY_ADDRESS = throttles.Policy("portal_address", MAX_FAILURES, LOCK_DURATION, window=timedelta(hours=1))
# No 0/O, 1/I/L: a code read from a card and typed on a phone must not be ambiguous.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8  # 31^8 ≈ 8.5e11 codes, with 5 tries per 30 minutes

_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("AAAAAAAA")


class PortalLocked(ParcoursError):
    """Too many wrong codes from this address: locked until `until`."""

    http_status = 429
    default_code = "portal.locked"

    def __init__(self, until: datetime) -> None:
        super().__init__()
        self.until = until


def normalise_code(code: str) -> str:
    """What the person typed, without spaces, dashes or case."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def display_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def issue_code(
    session: Session,
    clock: Clock,
    account: Account,
    beneficiary_id: int,
    route: str,
    code: str | None = None,
) -> str:
    """A new access code for the person (shown once, on the card); any previous one stops working.

    Real cards always get a random code. `code` is for the demo data only (demo.passports):
    a code written in README so that anyone can try the portal; it must still be one a card could show.
    """
    person = access.beneficiary_for(session, clock, account, beneficiary_id, Action.PRINT_ACCESS_CARD, route)
    if code is None:
        code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    code = normalise_code(code)
    if len(code) != CODE_LENGTH or any(ch not in ALPHABET for ch in code):
        problem = FieldError("portal.code_format", length=CODE_LENGTH, alphabet=ALPHABET)
        raise InvalidInput(field_errors={"code": [problem]})
    row = session.scalar(select(PortalAccess).where(PortalAccess.beneficiary_id == person.id))
    if row is None:
        row = PortalAccess(beneficiary_id=person.id)
        session.add(row)
    row.code_hash = _hasher.hash(code)
    row.issued_at, row.issued_by = clock.now(), account.username
    row.session_generation = (row.session_generation or 0) + 1  # sessions of the old code end
    session.flush()
    return code


def status(session: Session, beneficiary_id: int) -> PortalAccess | None:
    """The person's access row (issued when, by whom, locked until), for their referent's page."""
    found: PortalAccess | None = session.scalar(
        select(PortalAccess).where(PortalAccess.beneficiary_id == beneficiary_id)
    )
    return found


def sign_in(session: Session, clock: Clock, identifier: str, code: str, address: str) -> int | None:
    """The person's id when the code is right; None otherwise; PortalLocked while the address is.

    The caller commits even when None is returned or PortalLocked raised: the count is the point.
    """
    now = clock.now()
    by_address = throttles.counter(session, BY_ADDRESS.scope, address)
    row = session.execute(
        select(PortalAccess)
        .join(Beneficiary, Beneficiary.id == PortalAccess.beneficiary_id)
        .where(Beneficiary.identifier == identifier.strip().upper()[:32])
    ).scalar_one_or_none()
    # One verification whatever the identifier (with a code or not): no telling them apart by time.
    right = _verify(row.code_hash if row is not None else _DUMMY_HASH, normalise_code(code)[:64])
    if throttles.is_locked(by_address, now):
        raise PortalLocked(by_address.locked_until or now)
    if row is not None and right:
        row.last_sign_in_at = now
        session.flush()
        return row.beneficiary_id
    throttles.note_failure(by_address, BY_ADDRESS, now)
    session.flush()
    return None


def session_generation(session: Session, beneficiary_id: int) -> int | None:
    """The generation a portal session of the person must carry; None once they have no code."""
    found: int | None = session.scalar(
        select(PortalAccess.session_generation).where(PortalAccess.beneficiary_id == beneficiary_id)
    )
    return found


def end_sessions(session: Session, beneficiary_id: int) -> None:
    """End every portal session of the person (they signed out: a copied cookie stops working too)."""
    row = session.scalar(select(PortalAccess).where(PortalAccess.beneficiary_id == beneficiary_id))
    if row is not None:
        row.session_generation = (row.session_generation or 0) + 1
        session.flush()


def _verify(code_hash: str, code: str) -> bool:
    try:
        return _hasher.verify(code_hash, code)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Step:
    name: str
    at: datetime | None


@dataclass(frozen=True)
class PathwayOverview:
    id: int
    programme_name: str
    status: str
    outcome: str | None
    started_at: datetime
    ended_at: datetime | None
    referent_name: str | None
    done: tuple[Step, ...]  # oldest first
    upcoming: tuple[Step, ...]  # soonest first: the tasks waiting, with their due dates
    next_date: datetime | None  # the next appointment the model planned (end of a period, a check)


def pathways_of(session: Session, beneficiary_id: int) -> list[PathwayOverview]:
    """The person's pathways as they read them: steps done, what comes next, their referent."""
    referent = aliased(Account)
    rows = session.execute(
        select(Pathway, referent.display_name)
        .outerjoin(referent, referent.id == Pathway.referent_id)
        .where(Pathway.beneficiary_id == beneficiary_id)
        .order_by(Pathway.started_at.desc(), Pathway.id.desc())
    ).all()
    items = session.scalars(
        select(WorkItem)
        .join(Pathway, Pathway.id == WorkItem.pathway_id)
        .where(Pathway.beneficiary_id == beneficiary_id, WorkItem.status != WorkItemStatus.CANCELLED)
        .order_by(WorkItem.id)
    ).all()
    by_pathway: dict[int, list[WorkItem]] = {}
    for item in items:
        by_pathway.setdefault(item.pathway_id, []).append(item)
    result = []
    for pathway, referent_name in rows:
        mine = by_pathway.get(pathway.id, [])
        done = [Step(i.name, i.completed_at) for i in mine if i.status == WorkItemStatus.COMPLETED]
        waiting = [Step(i.name, i.due_at) for i in mine if i.status == WorkItemStatus.OPEN]
        waiting.sort(key=lambda s: (s.at is None, s.at))
        next_date = pathway.next_timer_due if pathway.status == PathwayStatus.ACTIVE else None
        result.append(
            PathwayOverview(
                id=pathway.id,
                programme_name=pathway.process_version.name,
                status=pathway.status,
                outcome=pathway.outcome,
                started_at=pathway.started_at,
                ended_at=pathway.ended_at,
                referent_name=referent_name,
                done=tuple(done),
                upcoming=tuple(waiting),
                next_date=next_date,
            )
        )
    return result


@dataclass(frozen=True)
class AccessEntry:
    at: datetime
    who: str
    role: str
    structure: str | None
    action: str  # read | change


def accesses(session: Session, beneficiary_id: int, limit: int = 1000) -> list[AccessEntry]:
    """Who read or changed the person's file, newest first (from the access log)."""
    rows = session.execute(
        select(AccessLog.at, Account.display_name, Account.role, Structure.name, AccessLog.action)
        .join(Account, Account.id == AccessLog.account_id)
        .outerjoin(Structure, Structure.id == Account.structure_id)
        .where(AccessLog.beneficiary_id == beneficiary_id)
        .order_by(AccessLog.at.desc(), AccessLog.id.desc())
        .limit(limit)
    )
    return [AccessEntry(at, who, role, structure, action) for at, who, role, structure, action in rows]
