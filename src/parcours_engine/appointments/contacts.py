"""A person's contact details and the reminder channels they accept.

Phone numbers are read with `phonenumbers` (French by default, international with a `+`) and kept in
E.164; an email is one address of bounded length; the postal address is three short fields. Every
field is optional and bounded, and none may hold a control character. A channel is accepted by a
consent recorded with its date (never in the future) for a channel whose address is known; it is
withdrawn at once, and the scheduler then sends nothing more on it. Who may read and change them is
the permission table's business (READ_CONTACT, CHANGE_CONTACT): those who follow the person, and
reception; each read and change is in the access log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import phonenumbers
from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.appointments import Channel
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import FieldError, FieldErrors, InvalidInput
from parcours_engine.domain.permissions import Action
from parcours_engine.persistence import consents
from parcours_engine.persistence.models import Account
from parcours_engine.persistence.models.appointments import ContactConsent, ContactDetails

DEFAULT_REGION = "FR"
LIMITS = {"phone": 32, "email": 254, "address_line": 120, "postal_code": 10, "city": 80}
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9-]{1,63})+$")
_POSTAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 -]*$")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ContactInput:
    phone: str = ""
    email: str = ""
    address_line: str = ""
    postal_code: str = ""
    city: str = ""


@dataclass(frozen=True)
class ContactView:
    details: ContactDetails | None
    consents: list[ContactConsent]  # newest first, in force or withdrawn

    def accepted(self) -> set[str]:
        return {c.channel for c in self.consents if c.withdrawn_at is None}


def normalised_phone(raw: str) -> str:
    """The number in E.164 (`+33612345678`); InvalidInput when it is no valid number."""
    try:
        number = phonenumbers.parse(raw, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise InvalidInput(field_errors={"phone": [FieldError("contact.phone_invalid")]}) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidInput(field_errors={"phone": [FieldError("contact.phone_invalid")]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def display_phone(e164: str | None) -> str:
    """A stored number as people read it: national for French numbers, international otherwise."""
    if not e164:
        return ""
    number = phonenumbers.parse(e164, None)
    fmt = phonenumbers.PhoneNumberFormat
    national = phonenumbers.region_code_for_number(number) == DEFAULT_REGION
    return phonenumbers.format_number(number, fmt.NATIONAL if national else fmt.INTERNATIONAL)


def _checked(given: ContactInput) -> dict[str, str | None]:
    values = {name: (getattr(given, name) or "").strip() for name in LIMITS}
    errors: FieldErrors = {}
    for name, value in values.items():
        if len(value) > LIMITS[name]:
            errors[name] = [FieldError("field.too_long", limit=LIMITS[name])]
        elif _CONTROL.search(value):
            errors[name] = [FieldError("field.invalid")]
    if "phone" not in errors and values["phone"]:
        try:
            values["phone"] = normalised_phone(values["phone"])
        except InvalidInput as error:
            errors.update(error.field_errors)
    if "email" not in errors and values["email"] and not _EMAIL.match(values["email"]):
        errors["email"] = [FieldError("contact.email_invalid")]
    if "postal_code" not in errors and values["postal_code"] and not _POSTAL.match(values["postal_code"]):
        errors["postal_code"] = [FieldError("field.pattern")]
    if errors:
        raise InvalidInput(field_errors=errors)
    return {name: value or None for name, value in values.items()}


def read(session: Session, clock: Clock, account: Account, person_id: int, route: str) -> ContactView:
    """The person's contact details and consents, for who may read them (logged)."""
    access.beneficiary_for(session, clock, account, person_id, Action.READ_CONTACT, route)
    return view(session, person_id)


def view(session: Session, person_id: int) -> ContactView:
    """The same, unchecked: for the use cases that checked already and for the scheduler."""
    details = session.scalar(select(ContactDetails).where(ContactDetails.beneficiary_id == person_id))
    consents = list(
        session.scalars(
            select(ContactConsent)
            .where(ContactConsent.beneficiary_id == person_id)
            .order_by(ContactConsent.recorded_at.desc(), ContactConsent.id.desc())
        )
    )
    return ContactView(details, consents)


def save(
    session: Session, clock: Clock, account: Account, person_id: int, given: ContactInput, route: str
) -> ContactDetails:
    """Record the person's contact details (every field replaced; an empty one is removed)."""
    person = access.beneficiary_for(session, clock, account, person_id, Action.CHANGE_CONTACT, route)
    values = _checked(given)
    details = session.scalar(select(ContactDetails).where(ContactDetails.beneficiary_id == person.id))
    if details is None:
        details = ContactDetails(beneficiary_id=person.id)
        session.add(details)
    for name, value in values.items():
        setattr(details, name, value)
    details.updated_at, details.updated_by = clock.now(), account.username
    session.flush()
    return details


def give_consent(
    session: Session,
    clock: Clock,
    account: Account,
    person_id: int,
    channel: str,
    given_on: date,
    route: str,
) -> ContactConsent:
    """Record that the person accepts reminders on `channel` since `given_on`."""
    person = access.beneficiary_for(session, clock, account, person_id, Action.CHANGE_CONTACT, route)
    if channel not in set(Channel):
        raise InvalidInput(field_errors={"channel": [FieldError("field.choice")]})
    consents.check_given_on(clock, given_on)
    details = view(session, person.id).details
    address = None if details is None else (details.email if channel == Channel.EMAIL else details.phone)
    if not address:
        raise InvalidInput(field_errors={"channel": [FieldError("contact.channel_without_address")]})
    return consents.record(
        session, clock, ContactConsent, person.id, given_on, account.username, channel=channel
    )


def withdraw_consent(
    session: Session, clock: Clock, account: Account, person_id: int, consent_id: int, route: str
) -> ContactConsent:
    """Record that the person no longer accepts reminders on a channel: nothing more is sent on it."""
    person = access.beneficiary_for(session, clock, account, person_id, Action.CHANGE_CONTACT, route)
    return consents.withdraw(session, clock, ContactConsent, person.id, consent_id, account.username)
