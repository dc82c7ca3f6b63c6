"""Convocations and reminders of appointments, sent by the scheduler exactly once.

What is due: for each planned appointment to come, on each channel the person accepts (a consent in
force and the channel's address known) and that the deployment can send on, the convocation of its
current revision (booked or moved) and the reminders D-3 and D-1 (`PARCOURS_REMINDER_DAYS`). A
reminder is due from its day until the next one's (a stale D-3 is never sent after D-1 began), and
only for a revision made before its day (a late booking's convocation says it all).

Exactly once, whatever the number of schedulers: `claim` inserts one `appointment_message` row per
(appointment, revision, kind, channel) with ON CONFLICT DO NOTHING in the job's transaction, and only
the transaction whose row went in sends it, after its commit; a second scheduler waits on the unique
index and inserts nothing. A failure is recorded on the row and retried by a later run (MAX_ATTEMPTS
in all), then shown on the appointment's page. A crash between the commit and the send loses that
message rather than sending it twice. The row (and the log) say what was sent, when and on which
channel, never the text nor the address.
"""

from __future__ import annotations

import json
import logging
import os
import smtplib
import ssl
import urllib.error
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from parcours_engine.appointments.wording import kind_name, when, where
from parcours_engine.domain.appointments import (
    AppointmentStatus,
    Channel,
    message_kind,
    reminder_days,
    to_paris,
)
from parcours_engine.persistence.models import Account, Beneficiary
from parcours_engine.persistence.models.appointments import (
    Appointment,
    AppointmentMessage,
    ContactConsent,
    ContactDetails,
)

log = logging.getLogger(__name__)

SENDING, SENT, FAILED = "sending", "sent", "failed"
MAX_ATTEMPTS = 3
SMS_LENGTH = 320  # two SMS at most
HORIZON = timedelta(days=366)


@dataclass(frozen=True)
class MailSettings:
    host: str
    port: int
    sender: str
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 20.0


def mail_settings(environ: Mapping[str, str] = os.environ) -> MailSettings | None:
    """The SMTP server of the deployment (PARCOURS_SMTP_*); None when none is set: nothing is sent."""
    host, sender = environ.get("PARCOURS_SMTP_HOST"), environ.get("PARCOURS_SMTP_FROM")
    if not host or not sender:
        return None
    return MailSettings(
        host=host,
        port=int(environ.get("PARCOURS_SMTP_PORT") or 25),
        sender=sender,
        username=environ.get("PARCOURS_SMTP_USER") or None,
        password=environ.get("PARCOURS_SMTP_PASSWORD") or None,
        starttls=environ.get("PARCOURS_SMTP_STARTTLS") == "1",
    )


@dataclass(frozen=True)
class SmsSettings:
    url: str
    token: str | None = None
    sender: str = "PARCOURS"
    timeout: float = 20.0


def sms_settings(environ: Mapping[str, str] = os.environ) -> SmsSettings | None:
    """The SMS provider's HTTP API (PARCOURS_SMS_URL, PARCOURS_SMS_TOKEN, PARCOURS_SMS_SENDER); None when
    none is set: nothing is sent by SMS.

    The API, as `send_sms` speaks it: `POST <url>` with `Authorization: Bearer <token>` and the JSON body
    `{"to": "+33612345678", "text": "...", "sender": "PARCOURS"}`; any 2xx answer means accepted. A
    provider with another API sits behind a small gateway that speaks this one.
    """
    url = environ.get("PARCOURS_SMS_URL")
    if not url or not url.startswith(("https://", "http://")):
        return None
    return SmsSettings(
        url=url,
        token=environ.get("PARCOURS_SMS_TOKEN") or None,
        sender=(environ.get("PARCOURS_SMS_SENDER") or "PARCOURS")[:11],
    )


@dataclass(frozen=True)
class Outgoing:
    """A claimed message, with what the transport needs (never stored)."""

    message_id: int
    channel: str
    address: str
    subject: str
    body: str


# -- what is due, claimed in the job's transaction ------------------------------------------------


def claim(
    session: Session, now: datetime, channels: set[str], environ: Mapping[str, str] = os.environ
) -> list[Outgoing]:
    """Claim every message due now on `channels` (new ones, and failed ones to retry); the caller
    commits, then sends them and records each result (`record`)."""
    days = reminder_days(environ.get("PARCOURS_REMINDER_DAYS"))
    rows = session.execute(
        select(Appointment, Beneficiary, ContactDetails, ContactConsent.channel, Account.display_name)
        .join(Beneficiary, Beneficiary.id == Appointment.beneficiary_id)
        .join(ContactDetails, ContactDetails.beneficiary_id == Appointment.beneficiary_id)
        .join(
            ContactConsent,
            and_(
                ContactConsent.beneficiary_id == Appointment.beneficiary_id,
                ContactConsent.withdrawn_at.is_(None),
                ContactConsent.channel.in_(sorted(channels)),
            ),
        )
        .join(Account, Account.id == Appointment.counsellor_id)
        .where(
            Appointment.status == AppointmentStatus.PLANNED,
            Appointment.starts_at > now,
            Appointment.starts_at <= now + HORIZON,
        )
        .order_by(Appointment.starts_at, Appointment.id)
    ).all()
    rows = list(rows)
    wanted: dict[tuple[int, int, str, str], Outgoing] = {}
    for appointment, person, details, channel, counsellor in rows:
        address = details.email if channel == Channel.EMAIL else details.phone
        if not address:
            continue
        for kind in _due_kinds(appointment, now, days):
            subject, body = _text(kind, channel, appointment, person, counsellor)
            key = (appointment.id, appointment.revision, kind, channel)
            wanted[key] = Outgoing(0, channel, address, subject, body)
    claimed = [_insert_claim(session, now, key, message) for key, message in wanted.items()]
    return [message for message in claimed if message is not None] + _retries(session, now, rows)


def _due_kinds(appointment: Appointment, now: datetime, days: tuple[int, ...]) -> list[str]:
    kinds = [message_kind(None)]
    windows = [*days, 0]
    for index, day in enumerate(days):
        opens = appointment.starts_at - timedelta(days=day)
        closes = appointment.starts_at - timedelta(days=windows[index + 1])
        if opens <= now < closes and appointment.updated_at < opens:
            kinds.append(message_kind(day))
    return kinds


def _insert_claim(
    session: Session, now: datetime, key: tuple[int, int, str, str], message: Outgoing
) -> Outgoing | None:
    appointment_id, revision, kind, channel = key
    values = {
        "appointment_id": appointment_id,
        "revision": revision,
        "kind": kind,
        "channel": channel,
        "status": SENDING,
        "claimed_at": now,
        "attempts": 1,
    }
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(AppointmentMessage)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["appointment_id", "revision", "kind", "channel"])
        .returning(AppointmentMessage.id)
    )
    found = session.scalar(statement)
    if found is None:
        return None  # claimed already (by an earlier run, or by another scheduler right now)
    return Outgoing(found, message.channel, message.address, message.subject, message.body)


def _retries(session: Session, now: datetime, rows: list[Any]) -> list[Outgoing]:
    """Failed messages of appointments still to come, claimed again (one scheduler wins each)."""
    by_appointment = {(row[0].id, row[3]): row for row in rows}
    failed = session.scalars(
        select(AppointmentMessage).where(
            AppointmentMessage.status == FAILED, AppointmentMessage.attempts < MAX_ATTEMPTS
        )
    ).all()
    found = []
    for message in failed:
        row = by_appointment.get((message.appointment_id, message.channel))
        if row is None or row[0].revision != message.revision:
            continue  # cancelled, moved, past, or the consent withdrawn: not retried
        taken = session.execute(
            update(AppointmentMessage)
            .where(AppointmentMessage.id == message.id, AppointmentMessage.status == FAILED)
            .values(status=SENDING, claimed_at=now, attempts=AppointmentMessage.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        if not taken.rowcount:  # type: ignore[attr-defined]
            continue
        appointment, person, details, channel, counsellor = row
        address = details.email if channel == Channel.EMAIL else details.phone
        subject, body = _text(message.kind, channel, appointment, person, counsellor)
        found.append(Outgoing(message.id, message.channel, str(address), subject, body))
    return found


def record(session: Session, now: datetime, results: Mapping[int, str | None]) -> None:
    """Each claimed message sent (None) or failed (the failure's kind, never its text)."""
    for message_id, error in results.items():
        message = session.get(AppointmentMessage, message_id)
        if message is None:
            continue
        if error is None:
            message.status, message.sent_at, message.error = SENT, now, None
        else:
            message.status, message.error = FAILED, error[:80]
        log.info(
            "appointment message %s (%s, %s): %s", message.id, message.kind, message.channel, message.status
        )
    session.flush()


def messages_of(session: Session, appointment_id: int) -> list[AppointmentMessage]:
    """What was sent (or tried) about an appointment, for its page."""
    return list(
        session.scalars(
            select(AppointmentMessage)
            .where(AppointmentMessage.appointment_id == appointment_id)
            .order_by(AppointmentMessage.claimed_at, AppointmentMessage.id)
        )
    )


# -- the text -------------------------------------------------------------------------------------


def _text(
    kind: str, channel: str, appointment: Appointment, person: Beneficiary, counsellor: str
) -> tuple[str, str]:
    """The subject and text of a message (an SMS: one short text, no subject)."""
    local = to_paris(appointment.starts_at)
    title = "Convocation" if kind == message_kind(None) else "Rappel"
    day, what, place = when(appointment), kind_name(appointment), where(appointment)
    subject = f"{title} : rendez-vous le {local:%d/%m/%Y} à {local:%H:%M}"
    if channel == Channel.SMS:
        short = (
            f"{title} : rendez-vous avec {counsellor} le {day} ({what}). {place} Empêché(e) ? Prévenez-nous."
        )
        return "", short[:SMS_LENGTH]
    body = "\n".join(
        [
            f"Bonjour {person.first_name} {person.last_name},",
            "",
            f"Vous avez rendez-vous avec {counsellor} le {day} ({what}, {appointment.duration_minutes} minutes).",
            place,
            "",
            "Si vous ne pouvez pas venir, prévenez votre conseiller dès que possible.",
            "",
            "Ce message est envoyé automatiquement : n'y répondez pas.",
        ]
    )
    return subject, body


# -- sending (no database) ------------------------------------------------------------------------


def send_emails(settings: MailSettings, messages: list[Outgoing], now: datetime) -> dict[int, str | None]:
    """Send each message through one SMTP connection; the result of each (None: sent)."""
    results: dict[int, str | None] = {}
    if not messages:
        return results
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout) as smtp:
            if settings.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if settings.username and settings.password:
                smtp.login(settings.username, settings.password)
            for message in messages:
                try:
                    smtp.send_message(_email(settings, message, now))
                    results[message.message_id] = None
                except smtplib.SMTPException as error:  # this one refused: the others may go
                    results[message.message_id] = type(error).__name__
    except (OSError, smtplib.SMTPException) as error:  # no server, refused, timed out
        log.warning("SMTP server unreachable: %s", type(error).__name__)
        for message in messages:
            results.setdefault(message.message_id, type(error).__name__)
    return results


def send_sms(settings: SmsSettings, messages: list[Outgoing]) -> dict[int, str | None]:
    """Send each SMS through the provider's HTTP API; the result of each (None: accepted)."""
    results: dict[int, str | None] = {}
    for message in messages:
        payload = json.dumps({"to": message.address, "text": message.body, "sender": settings.sender})
        request = urllib.request.Request(  # noqa: S310 - the URL is the deployment's, http(s) only
            settings.url,
            data=payload.encode(),
            method="POST",
            headers={"Content-Type": "application/json", **_bearer(settings.token)},
        )
        try:
            with urllib.request.urlopen(request, timeout=settings.timeout) as answer:  # noqa: S310
                results[message.message_id] = None if 200 <= answer.status < 300 else f"HTTP {answer.status}"
        except urllib.error.HTTPError as error:
            results[message.message_id] = f"HTTP {error.code}"
        except (OSError, ValueError) as error:
            results[message.message_id] = type(error).__name__
    return results


def _bearer(token: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"} if token else {}


def _email(settings: MailSettings, message: Outgoing, now: datetime) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.sender
    email["To"] = message.address
    email["Subject"] = message.subject
    email["Date"] = format_datetime(to_paris(now))
    email["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2] or None)
    email.set_content(message.body)
    return email
