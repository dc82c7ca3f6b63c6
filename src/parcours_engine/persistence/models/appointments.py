"""Tables of contact details, appointments, the messages sent about them and the agenda feeds (issue 17).

Part of `persistence.models` (same `Base`, same metadata). No free text about a person: contact
fields, closed codes and dates; a message row says what was sent, when and on which channel, never
its content nor the address it went to.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from parcours_engine.persistence.models.base import Base, partial_index
from parcours_engine.persistence.models.consent import ConsentColumns
from parcours_engine.persistence.types import UTCDateTime


class ContactDetails(Base):
    """How to reach a person: one row per person, every field optional and bounded."""

    __tablename__ = "contact_details"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), unique=True)
    phone: Mapped[str | None] = mapped_column(String(16))  # E.164 (+33612345678)
    email: Mapped[str | None] = mapped_column(String(254))
    address_line: Mapped[str | None] = mapped_column(String(120))
    postal_code: Mapped[str | None] = mapped_column(String(10))
    city: Mapped[str | None] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(80))


class ContactConsent(ConsentColumns, Base):
    """The person accepts reminders on a channel (email, sms) from a date, until withdrawn."""

    __tablename__ = "contact_consent"
    __table_args__ = (
        partial_index(
            "uq_contact_consent_active",
            "beneficiary_id",
            "channel",
            where="withdrawn_at IS NULL",
            unique=True,
        ),
    )

    channel: Mapped[str] = mapped_column(String(8))  # domain.appointments.Channel


class Appointment(Base):
    """A meeting of a person with a counsellor; times in UTC (shown in Europe/Paris)."""

    __tablename__ = "appointment"
    __table_args__ = (
        Index("ix_appointment_counsellor_starts", "counsellor_id", "starts_at"),
        Index("ix_appointment_beneficiary_starts", "beneficiary_id", "starts_at"),
        Index("ix_appointment_status_starts", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"))
    pathway_id: Mapped[int | None] = mapped_column(ForeignKey("pathway.id"))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    kind: Mapped[str] = mapped_column(String(24))  # domain.appointments.AppointmentKind
    mode: Mapped[str] = mapped_column(String(12))  # lieu | telephone | visio
    place: Mapped[str | None] = mapped_column(
        String(200)
    )  # where (an office, a link): never about the person
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_minutes: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12))  # planned | cancelled | held
    attendance: Mapped[str | None] = mapped_column(String(20))  # venu | excuse | absent_non_excuse
    cancel_reason: Mapped[str | None] = mapped_column(String(32))
    # Bumped when the appointment moves: a new convocation and new reminders are due for it.
    revision: Mapped[int] = mapped_column(Integer, default=1, server_default=text("1"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str] = mapped_column(String(80))
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a plain dict here


class AppointmentMessage(Base):
    """A convocation or a reminder of one revision of an appointment on one channel: the row is the
    claim (unique), so whatever the number of schedulers it is sent once."""

    __tablename__ = "appointment_message"
    __table_args__ = (
        UniqueConstraint("appointment_id", "revision", "kind", "channel", name="uq_appointment_message_once"),
        Index("ix_appointment_message_status", "status", "attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))  # convocation | rappel_j3 | rappel_j1
    channel: Mapped[str] = mapped_column(String(8))  # email | sms
    status: Mapped[str] = mapped_column(String(8))  # sending | sent | failed
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error: Mapped[str | None] = mapped_column(String(80))  # the failure's kind, never the message


class CalendarFeed(Base):
    """A counsellor's iCalendar subscription: its secret token kept as a SHA-256, revocable."""

    __tablename__ = "calendar_feed"
    __table_args__ = (
        partial_index("uq_calendar_feed_active", "account_id", where="revoked_at IS NULL", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AppointmentFollowUp(Base):
    """The referent's "Relancer la personne" after an unexcused absence, one per appointment.

    A host-side task of the referent's inbox (not a model's): due three working days after the
    missed appointment, done with an outcome of a closed list (domain.appointments.FollowUpOutcome).
    """

    __tablename__ = "appointment_follow_up"
    __table_args__ = (
        UniqueConstraint("appointment_id", name="uq_appointment_follow_up_once"),
        Index("ix_appointment_follow_up_referent_open", "referent_id", "done_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    pathway_id: Mapped[int | None] = mapped_column(ForeignKey("pathway.id"))
    appointment_id: Mapped[int] = mapped_column(ForeignKey("appointment.id"))
    referent_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    due_at: Mapped[datetime] = mapped_column(UTCDateTime())
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by: Mapped[str | None] = mapped_column(String(80))
    outcome: Mapped[str | None] = mapped_column(String(20))
