"""Accounts, structures, sign-in and API tokens.

Passwords are hashed with argon2. Sign-in failures are counted per username and address in the
database (`login_throttle`), so a lock holds whichever process serves the next attempt. API bearer
tokens are shown once and stored as their SHA-256: a 32-byte random token needs no slow hash.
"""

from __future__ import annotations

import contextlib
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import AccountRole
from parcours_engine.domain.errors import FieldError, FieldErrors, InvalidInput, NotFound, ParcoursError
from parcours_engine.domain.roles import ACCOUNT_ROLES, LANE_ROLES
from parcours_engine.persistence.models import Account, LoginThrottle, Structure

MAX_FAILURES = 5
LOCK_DURATION = timedelta(minutes=15)
STRUCTURE_KINDS = ("mission_locale", "csp_team", "partner")
# The roles that sign in to the workspace (the beneficiary reads a passport elsewhere).
STAFF_ROLES = tuple(role for role in ACCOUNT_ROLES if role != AccountRole.BENEFICIARY)

_hasher = PasswordHasher()
# Verified against when the username is unknown, so an attacker cannot tell by timing.
_DUMMY_HASH = _hasher.hash("not-a-password")


class SignInLocked(ParcoursError):
    """Too many failed sign-ins for this username from this address."""

    http_status = 429
    default_code = "signin.locked"

    def __init__(self, until: datetime) -> None:
        super().__init__()
        self.until = until


@dataclass(frozen=True)
class NewToken:
    account: Account
    token: str  # shown once; only its hash is stored


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


def list_accounts(session: Session) -> list[Account]:
    return list(session.scalars(select(Account).order_by(Account.username)))


def authenticate(
    session: Session, clock: Clock, username: str, password: str, address: str
) -> Account | None:
    """The account when the password is right; None otherwise. SignInLocked while locked out.

    The caller must commit even when None is returned: the failure count is the point.
    """
    now = clock.now()
    throttle = _throttle(session, username[:80], address[:64])
    if throttle.locked_until is not None and throttle.locked_until > now:
        raise SignInLocked(throttle.locked_until)
    account = session.scalar(select(Account).where(Account.username == username))
    if account is not None and account.active and _verify(account, password):
        session.delete(throttle)
        return account
    if account is None or account.password_hash is None:
        _verify_dummy(password)
    if throttle.locked_until is not None and throttle.locked_until <= now:
        throttle.failures, throttle.locked_until = 0, None  # the lock expired: a fresh start
    throttle.failures += 1
    throttle.last_failure_at = now
    if throttle.failures >= MAX_FAILURES:
        throttle.locked_until = now + LOCK_DURATION
    session.flush()
    return None


def _throttle(session: Session, username: str, address: str) -> LoginThrottle:
    """The failure counter of this username and address, locked until the unit of work ends.

    Concurrent sign-ins must count every failure: the row is created once whoever comes first
    (INSERT ... ON CONFLICT DO NOTHING), then read FOR UPDATE so that two attempts never both read
    the same count (SQLite's write unit already holds the database lock).
    """
    dialect = session.get_bind().dialect.name
    values = {"username": username, "address": address, "failures": 0}
    if dialect == "postgresql":
        session.execute(pg_insert(LoginThrottle).values(**values).on_conflict_do_nothing())
    else:
        session.execute(sqlite_insert(LoginThrottle).values(**values).on_conflict_do_nothing())
    query = select(LoginThrottle).where(LoginThrottle.username == username, LoginThrottle.address == address)
    found = session.scalar(query.with_for_update().execution_options(populate_existing=True))
    assert found is not None  # inserted above if it was missing
    return found


def _verify(account: Account, password: str) -> bool:
    if account.password_hash is None:
        return False
    try:
        return _hasher.verify(account.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _verify_dummy(password: str) -> None:
    with contextlib.suppress(VerificationError):
        _hasher.verify(_DUMMY_HASH, password)


def issue_token(session: Session, username: str) -> NewToken:
    """A new API bearer token for the account, replacing any previous one."""
    account = by_username(session, username)
    token = secrets.token_urlsafe(32)
    account.api_token_hash = _token_hash(token)
    session.flush()
    return NewToken(account, token)


def account_for_token(session: Session, token: str) -> Account | None:
    if not token:
        return None
    account = session.scalar(select(Account).where(Account.api_token_hash == _token_hash(token)))
    return account if account is not None and account.active else None


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
