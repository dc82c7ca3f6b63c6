"""The people followed and their rights (RGPD): the person, corrections of their identity, the
anonymisation of their file, and the log of every access to it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    event,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column

from parcours_engine.domain.names import KEY_LENGTH, name_key
from parcours_engine.persistence.models.base import Base
from parcours_engine.persistence.types import UTCDateTime


class Beneficiary(Base):
    """A person followed. Closed lists and dates only: no narrative about their life."""

    __tablename__ = "beneficiary"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(32), unique=True)
    last_name: Mapped[str] = mapped_column(String(120), index=True)
    first_name: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))  # "F" | "M"
    qualification_level: Mapped[str | None] = mapped_column(String(8))  # VI, Vbis, V, IV, III, II, I
    priority_district: Mapped[bool] = mapped_column(Boolean, default=False)
    departement: Mapped[str | None] = mapped_column(String(3))
    territory: Mapped[str | None] = mapped_column(String(40))
    ase: Mapped[bool] = mapped_column(Boolean, default=False)
    mna: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The structure that registered the person: its counsellors may find them (identity only).
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"), index=True)
    # The names without accents, case, hyphens or spaces (domain.names), kept by the listeners below:
    # with the birth date, how a registration finds the person already registered.
    name_key: Mapped[str | None] = mapped_column(String(KEY_LENGTH))

    __table_args__ = (Index("ix_beneficiary_name_key_birth_date", "name_key", "birth_date"),)


@event.listens_for(Beneficiary, "before_insert")
@event.listens_for(Beneficiary, "before_update")
def _keep_name_key(_mapper: Mapper[Beneficiary], _connection: Connection, person: Beneficiary) -> None:
    person.name_key = name_key(person.last_name or "", person.first_name or "")


class AccessLog(Base):
    """Every read and change of a person's file, every list or search (whose `shown` people or pathways,
    no one named) and every refused attempt: who, when, whose, what, through which route."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_beneficiary_at", "beneficiary_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiary.id"))
    pathway_id: Mapped[int | None] = mapped_column(ForeignKey("pathway.id"))
    action: Mapped[str] = mapped_column(String(8))  # read | change | list | refused | export
    route: Mapped[str] = mapped_column(String(120))
    shown: Mapped[int | None] = mapped_column(Integer)  # how many rows a list showed


class IdentityCorrection(Base):
    """A correction of one identity field of a person (RGPD Art. 16): who, when, from what to what."""

    __tablename__ = "identity_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(String(120))
    new_value: Mapped[str | None] = mapped_column(String(120))


class Erasure(Base):
    """A person's file anonymised (RGPD Art. 17, or its retention period over): when, why, by whom
    (None: the retention job). The rows indicators count stay; what names or describes the person goes."""

    __tablename__ = "erasure"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    basis: Mapped[str] = mapped_column(String(16))  # retention | request
    reason: Mapped[str] = mapped_column(String(300))
