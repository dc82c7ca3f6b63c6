"""Accounts, structures, sign-in and the sessions an account has open.

Passwords are hashed with argon2. Sign-in failures are counted in the database (persistence.throttles),
so a lock holds whichever process serves the next attempt: per username whatever the address (five
wrong passwords lock the username, from everywhere) and per address whatever the username (guessing
across many usernames from one place). Every attempt costs one argon2 verification and gets one of
two answers, whether the username is unknown, deactivated, locked or not: nothing tells them apart,
neither the answer nor its time.

A session cookie carries the account's `session_generation`; `end_sessions` bumps it (sign-out, a new
password, deactivation, a change of rights), which ends every session of the account at once. API
tokens are in accounts.tokens.
"""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import AccountRole
from parcours_engine.domain.errors import FieldError, FieldErrors, InvalidInput, NotFound, ParcoursError
from parcours_engine.domain.roles import ACCOUNT_ROLES, LANE_ROLES
from parcours_engine.persistence import throttles
from parcours_engine.persistence.models import Account, Structure

MAX_FAILURES = 5  # wrong passwords for one username, from any address
LOCK_DURATION = timedelta(minutes=15)
BY_USERNAME = throttles.Policy("signin_username", MAX_FAILURES, LOCK_DURATION, window=timedelta(hours=1))
# One address trying many usernames (an office behind one address makes typos too: more room).
BY_ADDRESS = throttles.Policy("signin_address", 20, LOCK_DURATION, window=timedelta(hours=1))
STRUCTURE_KINDS = ("mission_locale", "csp_team", "partner")
# The roles that sign in to the workspace (the beneficiary reads a passport elsewhere).
STAFF_ROLES = tuple(role for role in ACCOUNT_ROLES if role != AccountRole.BENEFICIARY)

_hasher = PasswordHasher()
# Verified against when the account cannot sign in (unknown, deactivated, no password), so an attacker
# cannot tell by timing.
_DUMMY_HASH = _hasher.hash("not-a-password")


class SignInLocked(ParcoursError):
    """Too many failed sign-ins for this username, or from this address."""

    http_status = 429
    default_code = "signin.locked"

    def __init__(self, until: datetime) -> None:
        super().__init__()
        self.until = until


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def ensure_structure(
    session: Session, code: str, name: str | None = None, kind: str = "mission_locale"
) -> Structure:
    """The structure with this code, created when missing."""
    if kind not in STRUCTURE_KINDS:
        raise InvalidInput(
            field_errors={"kind": [FieldError("field.one_of", choices=", ".join(STRUCTURE_KINDS))]}
        )
    structure = session.scalar(select(Structure).where(Structure.code == code))
    if structure is None:
        structure = Structure(code=code, name=name or code, kind=kind)
        session.add(structure)
        session.flush()
    return structure


def structure_by_code(session: Session, code: str, field: str = "structure") -> Structure:
    """The structure with this code; an unknown code is an input error on `field`."""
    structure = session.scalar(select(Structure).where(Structure.code == code))
    if structure is None:
        raise InvalidInput(field_errors={field: [FieldError("structure.unknown_code")]})
    return structure


def create_account(
    session: Session,
    clock: Clock,
    *,
    username: str,
    password: str | None,
    role: str,
    structure_code: str | None = None,
    team: str | None = None,
    display_name: str | None = None,
    routing_code: str | None = None,
) -> Account:
    """A new account; InvalidInput names every wrong field."""
    errors: FieldErrors = {}
    if not username.strip():
        errors["username"] = [FieldError("field.required")]
    elif len(username) > 80:
        errors["username"] = [FieldError("field.too_long", limit=80)]
    elif session.scalar(select(Account.id).where(Account.username == username)) is not None:
        errors["username"] = [FieldError("field.taken")]
    if role not in STAFF_ROLES:
        errors["role"] = [FieldError("field.one_of", choices=", ".join(STAFF_ROLES))]
    if team is not None and team not in {r.code for r in LANE_ROLES}:
        errors["team"] = [FieldError("field.one_of", choices=", ".join(r.code for r in LANE_ROLES))]
    if password is not None and len(password) < 10:
        errors["password"] = [FieldError("field.min_length", limit=10)]
    structure = None
    if structure_code is not None:
        structure = session.scalar(select(Structure).where(Structure.code == structure_code))
        if structure is None:
            errors["structure"] = [FieldError("structure.unknown_code")]
    if errors:
        raise InvalidInput(field_errors=errors)
    account = Account(
        username=username,
        display_name=display_name or username,
        role=role,
        team=team,
        password_hash=hash_password(password) if password else None,
        active=True,
        created_at=clock.now(),
        structure=structure,
        routing_code=routing_code,
    )
    session.add(account)
    session.flush()
    return account


def get_account(session: Session, account_id: int) -> Account:
    account = session.get(Account, account_id)
    if account is None:
        raise NotFound("account.not_found", id=account_id)
    return account


def by_username(session: Session, username: str) -> Account:
    account = session.scalar(select(Account).where(Account.username == username))
    if account is None:
        raise NotFound("account.unknown_username", username=username)
    return account


def display_names(session: Session) -> dict[str, str]:
    """Every account's display name by username (pages name people, never by their username)."""
    return {
        username: name for username, name in session.execute(select(Account.username, Account.display_name))
    }


def list_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.username)))


def authenticate(
    session: Session, clock: Clock, username: str, password: str, address: str
) -> Account | None:
    """The account when the password is right; None otherwise. SignInLocked while the username or the
    address is locked, even with the right password.

    The caller must commit even when None is returned or SignInLocked raised: the count is the point.
    """
    now = clock.now()
    by_username = throttles.counter(session, BY_USERNAME.scope, username)
    by_address = throttles.counter(session, BY_ADDRESS.scope, address)
    account = session.scalar(select(Account).where(Account.username == username))
    usable = account is not None and account.active and account.password_hash is not None
    # One argon2 verification in every case: the same time for every username, whatever its state.
    right = _verify(account, password) if account is not None and usable else _verify_dummy(password)
    locks = [row.locked_until for row in (by_username, by_address) if throttles.is_locked(row, now)]
    if locks:
        raise SignInLocked(max(until for until in locks if until is not None))
    if right:
        session.delete(by_username)  # the address keeps its count: one good account resets nothing
        session.flush()
        return account
    throttles.note_failure(by_username, BY_USERNAME, now)
    throttles.note_failure(by_address, BY_ADDRESS, now)
    session.flush()
    return None


def lift_lock(session: Session, username: str) -> None:
    """Forget the failed sign-ins of `username` (an admin gave it a new password)."""
    throttles.clear(session, BY_USERNAME.scope, username)


def end_sessions(session: Session, account: Account) -> None:
    """End every session the account has open (its cookies carry the generation bumped here)."""
    account.session_generation = (account.session_generation or 0) + 1
    session.flush()


def _verify(account: Account, password: str) -> bool:
    if account.password_hash is None:
        return False
    try:
        return _hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _verify_dummy(password: str) -> bool:
    """The cost of a verification, for an account that cannot sign in; always False."""
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, password)
    return False
