"""What every recorded consent shares (sharing a passport, accepting reminders on a channel): it is
withdrawn once, with who and when, and never deleted, so that what was allowed when stays known."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol, TypeVar

from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import ConflictError, NotFound


class Consent(Protocol):
    beneficiary_id: int
    withdrawn_at: datetime | None
    withdrawn_by: str | None


C = TypeVar("C", bound=Consent)


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
