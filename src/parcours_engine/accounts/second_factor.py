"""A second factor for staff accounts: TOTP (RFC 6238, any authenticator app) and recovery codes.

Any staff account may enrol; admins must when the deployment says so (`required_for`). Enrolment
starts with a secret (shown as an otpauth URI, a QR code and text) and ends when a first code from
the app confirms it: then ten single-use recovery codes are made, shown once and kept as argon2
hashes. Signing in asks for a code after the password (web.auth). A code is accepted for the time
step before, at and after now (clocks drift), and only for a step later than the last one accepted:
the same code never signs in twice. Wrong codes are counted in the database per username
(persistence.throttles), like wrong passwords: five lock the second step for 15 minutes.

The TOTP secret is kept sealed (AES-256-GCM from `cryptography`, bound to its account) under a key
derived from the deployment's secret key (`key_from`): a copy of the database alone gives no code.
Why not Fernet: its tokens (~140 characters) do not fit the column, whose widening would need a
migration, and AES-GCM seals the 20-byte secret in exactly its 64 characters. A secret stored
before sealing (plain base32) is read as it is and sealed at its next right code. Changing the
secret key makes every factor unreadable: each is then reset (`users reset-second-factor`, or the
admin area) and enrolled again.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hmac
import os
import secrets
from collections.abc import Callable
from datetime import datetime

import pyotp
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from parcours_engine.accounts.accounts import LOCK_DURATION, MAX_FAILURES, SignInLocked
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import AccountRole
from parcours_engine.persistence import throttles
from parcours_engine.persistence.models import Account
from parcours_engine.persistence.models.second_factor import RecoveryCode, SecondFactor

ISSUER = "parcours-engine"
STEP_SECONDS = 30
DIGITS = 6
DRIFT_STEPS = 1  # a code of the step before or after now is accepted too
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
BY_USERNAME = throttles.Policy("second_factor", MAX_FAILURES, LOCK_DURATION, window=LOCK_DURATION * 4)
_NONCE_BYTES = 12
_PLAIN_LENGTH = 32  # pyotp.random_base32(): 32 base32 characters, 20 bytes

_hasher = PasswordHasher()


class WrongCode(Exception):
    """The code is not the app's for now, was used already, or is not a recovery code left."""


def required_for(account: Account, admins_required: bool) -> bool:
    """Whether this account may not work without a second factor."""
    return admins_required and account.role == AccountRole.ADMIN


def factor_of(session: Session, account: Account) -> SecondFactor | None:
    found: SecondFactor | None = session.scalar(
        select(SecondFactor).where(SecondFactor.account_id == account.id)
    )
    return found


def enrolled(session: Session, account: Account) -> bool:
    factor = factor_of(session, account)
    return factor is not None and factor.confirmed_at is not None


def key_from(app_secret: str) -> bytes:
    """The key that seals TOTP secrets, derived from the deployment's secret key (PARCOURS_SECRET_KEY)."""
    derive = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"parcours-engine totp secret")
    return derive.derive(app_secret.encode())


def secret_of(factor: SecondFactor, key: bytes) -> str | None:
    """The factor's base32 secret, unsealed; None when the key cannot open it (another secret key)."""
    stored = factor.secret
    if len(stored) == _PLAIN_LENGTH:
        return stored  # kept before sealing: sealed at its next right code
    try:
        raw = base64.urlsafe_b64decode(stored.encode())
        opened = AESGCM(key).decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], _bound_to(factor))
    except (binascii.Error, ValueError, InvalidTag):
        return None
    return base64.b32encode(opened).decode()


def _seal(factor: SecondFactor, plain: str, key: bytes) -> None:
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, base64.b32decode(plain), _bound_to(factor))
    factor.secret = base64.urlsafe_b64encode(nonce + sealed).decode()  # 64 characters


def _bound_to(factor: SecondFactor) -> bytes:
    """Associated data: a sealed secret copied to another account's row does not open."""
    return f"second_factor:{factor.account_id}".encode()


def start(session: Session, clock: Clock, account: Account, key: bytes) -> SecondFactor:
    """A new pending secret for the account (replacing a pending one); an enrolled factor stays."""
    factor = factor_of(session, account)
    if factor is not None and factor.confirmed_at is not None:
        return factor
    if factor is None:
        factor = SecondFactor(account_id=account.id)
        session.add(factor)
    _seal(factor, pyotp.random_base32(), key)
    factor.created_at, factor.confirmed_at, factor.last_step = clock.now(), None, None
    session.flush()
    return factor


def provisioning_uri(factor: SecondFactor, account: Account, key: bytes) -> str | None:
    """The otpauth:// URI an authenticator app reads (from the QR code or typed); None if unreadable."""
    plain = secret_of(factor, key)
    if plain is None:
        return None
    return pyotp.TOTP(plain, digits=DIGITS, interval=STEP_SECONDS).provisioning_uri(
        name=account.username, issuer_name=ISSUER
    )


def confirm(session: Session, clock: Clock, account: Account, code: str, key: bytes) -> list[str]:
    """Enrolment ends with a first right code: the recovery codes, to show once. WrongCode if not."""
    factor = factor_of(session, account)
    if factor is None or factor.confirmed_at is not None:
        raise WrongCode
    _checked(session, clock, account, lambda now: _totp_step(factor, code, now, key))
    factor.confirmed_at = clock.now()
    return _new_recovery_codes(session, account)


def verify(session: Session, clock: Clock, account: Account, code: str, key: bytes) -> None:
    """The second step of signing in: a code of the app or an unused recovery code.

    WrongCode otherwise, SignInLocked after too many; the caller commits in every case.
    """
    factor = factor_of(session, account)
    if factor is None or factor.confirmed_at is None:
        raise WrongCode

    def accept(now: datetime) -> bool:
        return _totp_step(factor, code, now, key) or _recovery(session, account, code, now)

    _checked(session, clock, account, accept)


def disable(session: Session, clock: Clock, account: Account, code: str, key: bytes) -> None:
    """Remove the factor and its recovery codes, on a right code (of the app or a recovery code)."""
    verify(session, clock, account, code, key)
    remove(session, account)


def remove(session: Session, account: Account) -> bool:
    """Remove the factor and its recovery codes (a lost device: `users reset-second-factor`).

    True when there was one. The caller ends the account's sessions when the device may be in other
    hands.
    """
    session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    removed = session.execute(delete(SecondFactor).where(SecondFactor.account_id == account.id))
    session.flush()
    return bool(removed.rowcount)  # type: ignore[attr-defined]


def recovery_codes_left(session: Session, account: Account) -> int:
    return int(
        session.scalar(
            select(func.count(RecoveryCode.id)).where(
                RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None)
            )
        )
        or 0
    )


def _checked(session: Session, clock: Clock, account: Account, accept: Callable[[datetime], bool]) -> None:
    """Run `accept(now)` under the account's throttle: SignInLocked while locked, WrongCode if False."""
    now = clock.now()
    row = throttles.counter(session, BY_USERNAME.scope, account.username)
    if throttles.is_locked(row, now):
        raise SignInLocked(row.locked_until or now)
    if accept(now):
        session.delete(row)
        session.flush()
        return
    throttles.note_failure(row, BY_USERNAME, now)
    session.flush()
    if throttles.is_locked(row, now):
        raise SignInLocked(row.locked_until or now)
    raise WrongCode


def _totp_step(factor: SecondFactor, code: str, now: datetime, key: bytes) -> bool:
    """True when `code` is the app's for a step near now and later than the last one accepted."""
    code = "".join(code.split())
    plain = secret_of(factor, key)
    if len(code) != DIGITS or not code.isdigit() or plain is None:
        return False
    totp = pyotp.TOTP(plain, digits=DIGITS, interval=STEP_SECONDS)
    current = totp.timecode(now)
    for step in range(current - DRIFT_STEPS, current + DRIFT_STEPS + 1):
        if factor.last_step is not None and step <= factor.last_step:
            continue  # that code was used, or an older one was: never twice
        if hmac.compare_digest(totp.generate_otp(step), code):
            factor.last_step = step
            if len(factor.secret) == _PLAIN_LENGTH:
                _seal(factor, plain, key)  # kept before sealing: sealed now
            return True
    return False


def _recovery(session: Session, account: Account, code: str, now: datetime) -> bool:
    """True when `code` is one of the account's unused recovery codes, now used."""
    typed = _normalise(code)
    if len(typed) != 10:
        return False
    unused = session.scalars(
        select(RecoveryCode).where(RecoveryCode.account_id == account.id, RecoveryCode.used_at.is_(None))
    )
    for row in unused:
        with contextlib.suppress(VerificationError, InvalidHashError):
            if _hasher.verify(row.code_hash, typed):
                row.used_at = now
                return True
    return False


def _new_recovery_codes(session: Session, account: Account) -> list[str]:
    session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account.id))
    codes = []
    for _ in range(RECOVERY_CODES):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(10))
        session.add(RecoveryCode(account_id=account.id, code_hash=_hasher.hash(raw)))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    session.flush()
    return codes


def _normalise(code: str) -> str:
    return "".join(ch for ch in code.lower() if ch.isalnum())
