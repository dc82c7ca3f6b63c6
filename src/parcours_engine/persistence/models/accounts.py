"""Who signs in and where they work: structures, accounts, their API tokens, the failed-attempt
throttles of sign-in, and the notifications an account reads in the app.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parcours_engine.persistence.models.base import Base
from parcours_engine.persistence.types import UTCDateTime


class Structure(Base):
    """An organisation that runs pathways: a mission locale, a CSP team, a partner."""

    __tablename__ = "structure"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # mission_locale | csp_team | partner


class Account(Base):
    """Someone who signs in: counsellor, coordinator, supervisor, admin, partner."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    team: Mapped[str | None] = mapped_column(String(40))  # lane role code this account works in
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"), index=True)
    # A model's routing (e.g. IEJ's `csp_affecte`) names this code to pick the pathway's referent.
    routing_code: Mapped[str | None] = mapped_column(String(40), index=True)
    # Every session cookie carries the generation it was opened in; bumping it (sign-out, a new
    # password, deactivation, a change of rights) ends every session of the account at once.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    structure: Mapped[Structure | None] = relationship(lazy="joined")


class ApiToken(Base):
    """An API bearer token of an account: stored as its SHA-256, valid until it expires or is revoked."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    label: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(80))

    account: Mapped[Account] = relationship(lazy="joined")


class Throttle(Base):
    """Failed attempts of one kind (`scope`: a username, an address...) per `key`, in the database so
    that a lock holds whichever process serves the next attempt."""

    __tablename__ = "throttle"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_throttle_scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(120))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Notification(Base):
    """A message to one account inside the app (closed kinds; no free text about a person)."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_account_read", "account_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    kind: Mapped[str] = mapped_column(String(32))
    pathway_id: Mapped[int | None] = mapped_column(ForeignKey("pathway.id"))
    detail_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
