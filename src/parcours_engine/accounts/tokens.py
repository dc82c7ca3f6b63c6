"""API bearer tokens: issued with an expiry, listed and revoked by their owner and by admins.

A token is shown once and stored as its SHA-256 (a 32-byte random token needs no slow hash). An
account may hold several (one per integration), each with a label and an expiry (90 days unless told).
Deactivating an account or giving it a new password revokes its tokens; a revoked or expired token is
refused like an unknown one. Wrong tokens are counted per address (persistence.throttles): past
`BY_ADDRESS.failures` the address is refused for a while, right token or not.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from parcours_engine.accounts.accounts import by_username
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import AccountRole
from parcours_engine.domain.errors import FieldError, Forbidden, InvalidInput, NotFound, ParcoursError
from parcours_engine.persistence import throttles
from parcours_engine.persistence.models import Account, ApiToken

DEFAULT_DAYS = 90
MAX_DAYS = 366
BY_ADDRESS = throttles.Policy("token_address", 20, timedelta(minutes=15), window=timedelta(hours=1))


class TokensLocked(ParcoursError):
    """Too many wrong API tokens from this address."""

    http_status = 429
    default_code = "token.locked"

    def __init__(self, until: datetime) -> None:
        super().__init__()
        self.until = until


@dataclass(frozen=True)
class NewToken:
    account: Account
    token: str  # shown once; only its hash is stored
    row: ApiToken


def issue(
    session: Session,
    clock: Clock,
    username: str,
    *,
    days: int = DEFAULT_DAYS,
    label: str = "",
    by: str | None = None,
) -> NewToken:
    """A new token for the account, valid `days` days; the account's other tokens stay valid."""
    account = by_username(session, username)
    label = label.strip()
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(field_errors={"days": [FieldError("field.between", low=1, high=MAX_DAYS)]})
    if len(label) > 80:
        raise InvalidInput(field_errors={"label": [FieldError("field.too_long", limit=80)]})
    token = secrets.token_urlsafe(32)
    now = clock.now()
    row = ApiToken(
        account=account,
        token_hash=_hash(token),
        label=label or "API",
        created_at=now,
        created_by=by or account.username,
        expires_at=now + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    return NewToken(account, token, row)


def account_for(session: Session, clock: Clock, token: str) -> Account | None:
    """The active account of a token in force (not expired, not revoked); None otherwise."""
    if not token:
        return None
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(token)))
    if found is None or found.revoked_at is not None or found.expires_at <= clock.now():
        return None
    return found.account if found.account.active else None


def check_address(session: Session, clock: Clock, address: str) -> None:
    """TokensLocked while this address is refused for its wrong tokens (a read)."""
    until = throttles.locked_until(session, BY_ADDRESS.scope, address, clock.now())
    if until is not None:
        raise TokensLocked(until)


def note_wrong_token(session: Session, clock: Clock, address: str) -> None:
    """Count a wrong token from `address` (in a write unit of its own: API reads are read units)."""
    throttles.note_failure(throttles.counter(session, BY_ADDRESS.scope, address), BY_ADDRESS, clock.now())
    session.flush()


def list_of(session: Session, actor: Account, account_id: int) -> list[ApiToken]:
    """The tokens of an account, newest first: for its owner and for admins."""
    _may_manage(actor, account_id)
    return list(
        session.scalars(
            select(ApiToken).where(ApiToken.account_id == account_id).order_by(ApiToken.id.desc())
        )
    )


def revoke(session: Session, clock: Clock, actor: Account, token_id: int) -> ApiToken:
    """Revoke one token (its owner or an admin); revoking it again changes nothing."""
    found = session.get(ApiToken, token_id)
    if found is None:
        raise NotFound("token.not_found", id=token_id)
    _may_manage(actor, found.account_id)
    if found.revoked_at is None:
        found.revoked_at, found.revoked_by = clock.now(), actor.username
        session.flush()
    return found


def revoke_all(session: Session, clock: Clock, account: Account, by: str) -> None:
    """Revoke every token of the account in force (deactivation, a new password)."""
    session.execute(
        update(ApiToken)
        .where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=clock.now(), revoked_by=by)
    )


def revoke_by_id_cli(session: Session, clock: Clock, token_id: int) -> ApiToken:
    """Revoke one token from the command line (an operator of the server: no account acting)."""
    found = session.get(ApiToken, token_id)
    if found is None:
        raise NotFound("token.not_found", id=token_id)
    if found.revoked_at is None:
        found.revoked_at, found.revoked_by = clock.now(), "cli"
        session.flush()
    return found


def _may_manage(actor: Account, account_id: int) -> None:
    if actor.id != account_id and actor.role != AccountRole.ADMIN:
        raise Forbidden("token.not_yours")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
