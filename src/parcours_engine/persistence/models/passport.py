"""Tables of the employment passport (seed 002) and of the beneficiary's own access.

Part of `persistence.models` (same `Base`, same metadata): the passport is one feature with its own
tables. Closed codes, dates, company names and documents only: there is no free-text field about a
person anywhere here (seed 002: "pas d'espace rédactionnel").
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from parcours_engine.persistence.models.base import Base, partial_index
from parcours_engine.persistence.models.consent import ConsentColumns
from parcours_engine.persistence.types import UTCDateTime


class Passport(Base):
    """One per person, whatever their programmes: opened once, with every competence "à vérifier"."""

    __tablename__ = "passport"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), unique=True)
    opened_on: Mapped[date] = mapped_column(Date)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime())
    opened_by: Mapped[str] = mapped_column(String(80))
    pathway_id: Mapped[int | None] = mapped_column(ForeignKey("pathway.id"))  # the opening pathway


class CompetenceAssessment(Base):
    """One level of one competence on one date: the history is the passport's memory (never updated)."""

    __tablename__ = "competence_assessment"
    __table_args__ = (Index("ix_competence_assessment_passport_code", "passport_id", "competence", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    passport_id: Mapped[int] = mapped_column(ForeignKey("passport.id"))
    competence: Mapped[str] = mapped_column(String(40))  # a code of the referential
    level: Mapped[str] = mapped_column(String(20))  # a level code of the referential
    assessed_on: Mapped[date] = mapped_column(Date)
    experience_id: Mapped[int | None] = mapped_column(ForeignKey("experience.id"))  # the period it follows
    source: Mapped[str] = mapped_column(String(12))  # ouverture | periode | referent
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(80))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))  # the writer's structure
    pathway_id: Mapped[int | None] = mapped_column(ForeignKey("pathway.id"))
    work_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_item.id"))


class Experience(Base):
    """A period in a company: immersion, internship, contract, volunteering (closed lists and dates)."""

    __tablename__ = "experience"
    __table_args__ = (
        Index("ix_experience_passport_started", "passport_id", "started_on"),
        Index("ix_experience_started_on", "started_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    passport_id: Mapped[int] = mapped_column(ForeignKey("passport.id"))
    company: Mapped[str] = mapped_column(String(120))
    sector: Mapped[str] = mapped_column(String(2))  # ROME domain letter (the forms' closed list)
    rome_code: Mapped[str | None] = mapped_column(String(5))
    kind: Mapped[str] = mapped_column(String(20))  # pmsmp | stage | cdd | cdi | interim | ...
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)  # None while it goes on (a CDI)
    reference_obtained: Mapped[str | None] = mapped_column(String(24))  # certificat_travail | ... | aucune
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(80))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))
    pathway_id: Mapped[int | None] = mapped_column(ForeignKey("pathway.id"))
    # The task that recorded it: a retried task never records the same experience twice.
    work_item_id: Mapped[int | None] = mapped_column(ForeignKey("work_item.id"), unique=True)


class ReferenceDocument(Base):
    """A document attached by a referent (attestation, letter, certificate), kept in the database.

    The person downloads it; its name on download is built from its kind and date, never from what
    the uploader's file was called (a file name can say more than it should).
    """

    __tablename__ = "reference_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    passport_id: Mapped[int] = mapped_column(ForeignKey("passport.id"), index=True)
    experience_id: Mapped[int | None] = mapped_column(ForeignKey("experience.id"))
    kind: Mapped[str] = mapped_column(String(24))
    issued_on: Mapped[date] = mapped_column(Date)
    media_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # loaded only on download
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(80))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))


class SharingConsent(ConsentColumns, Base):
    """The person agreed to share their passport with a structure (a partner), until withdrawn."""

    __tablename__ = "sharing_consent"
    __table_args__ = (
        partial_index(
            "uq_sharing_consent_active",
            "beneficiary_id",
            "structure_id",
            where="withdrawn_at IS NULL",
            unique=True,
        ),
    )

    structure_id: Mapped[int] = mapped_column(ForeignKey("structure.id"))


class PortalAccess(Base):
    """The person's access code (argon2 hash): one row per person. Sign-in attempts are throttled per
    address (models.Throttle), never per person: a lock per identifier would let anyone lock people
    out and tell which identifiers have a code."""

    __tablename__ = "portal_access"
    __table_args__ = (UniqueConstraint("beneficiary_id", name="uq_portal_access_beneficiary_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"))
    code_hash: Mapped[str] = mapped_column(String(200))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime())
    issued_by: Mapped[str] = mapped_column(String(80))
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The portal's session cookie carries it; a new card or a sign-out bumps it: older sessions end.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))
