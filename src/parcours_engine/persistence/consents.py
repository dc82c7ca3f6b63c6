"""What every recorded consent shares (sharing a passport, accepting reminders on a channel): it is
recorded with the day the person gave it (never in the future), at most one in force per scope (a
structure, a channel), withdrawn once with who and when, and never deleted, so that what was allowed
when stays known."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import ConflictError, FieldError, InvalidInput, NotFound


class Consent(Protocol):
    beneficiary_id: int
    given_on: date
    withdrawn_at: datetime | None
    withdrawn_by: str | None

    def __init__(self, **columns: Any) -> None: ...  # a mapped class takes its columns by name


C = TypeVar("C", bound=Consent)


def check_given_on(clock: Clock, given_on: date) -> None:
    """A consent is given today or before: InvalidInput (on `given_on`) for a day to come."""
    today = clock.now().date()
    if given_on > today:
        raise InvalidInput(field_errors={"given_on": [FieldError("field.date_before", limit=today)]})


def in_force(session: Session, model: type[C], person_id: int, **scope: Any) -> C | None:
    """`person_id`'s consent of `model` in force for `scope` (`structure_id=...`, `channel=...`)."""
    found: C | None = session.scalar(
        select(model).filter_by(beneficiary_id=person_id, withdrawn_at=None, **scope)
    )
    return found


def record(
    session: Session, clock: Clock, model: type[C], person_id: int, given_on: date, by: str, **scope: Any
) -> C:
    """Record `person_id`'s consent for `scope`, given on `given_on` (checked by the caller with
    `check_given_on`, in its own order of checks), by `by`: 409 while one is in force already."""
    if in_force(session, model, person_id, **scope) is not None:
        raise ConflictError("consent.in_force")
    consent = model(
        beneficiary_id=person_id, given_on=given_on, recorded_at=clock.now(), recorded_by=by, **scope
    )
    session.add(consent)
    session.flush()
    return consent


def withdraw(session: Session, clock: Clock, model: type[C], person_id: int, consent_id: int, by: str) -> C:
    """Mark `person_id`'s consent `consent_id` withdrawn now by `by`: 404 when it is not theirs, 409
    when it was withdrawn already."""
    consent = session.get(model, consent_id)
    if consent is None or consent.beneficiary_id != person_id:
        raise NotFound("consent.not_found", id=consent_id)
    if consent.withdrawn_at is not None:
        raise ConflictError("consent.withdrawn")
    consent.withdrawn_at, consent.withdrawn_by = clock.now(), by
    session.flush()
    return consent
