"""A staff account's second factor: a TOTP secret (RFC 6238) and its single-use recovery codes.

Part of `persistence.models` (same `Base`, same metadata), like the administration's journal. The TOTP
secret must be readable to check a code, so it is kept sealed (AES-GCM under a key derived from the
deployment's secret key: accounts.second_factor), not hashed; the recovery codes are argon2 hashes,
as passwords are. `last_step` is the time step of
the last code accepted: a code of that step or an earlier one is refused (a code seen over a
shoulder or replayed within its 30 seconds does not sign anybody in).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from parcours_engine.persistence.models.base import Base
from parcours_engine.persistence.types import UTCDateTime


class SecondFactor(Base):
    """The TOTP of an account: pending until confirmed with a first code."""

    __tablename__ = "second_factor"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), unique=True)
    secret: Mapped[str] = mapped_column(String(64))  # sealed: base64 of nonce + ciphertext + tag
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_step: Mapped[int | None] = mapped_column(Integer)


class RecoveryCode(Base):
    """One single-use recovery code of an account, as its argon2 hash."""

    __tablename__ = "recovery_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(200))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
