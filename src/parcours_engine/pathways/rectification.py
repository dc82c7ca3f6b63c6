"""Rectification (RGPD Art. 16): the referent corrects a person's identity fields, with history.

Each corrected field leaves a row (`identity_correction`): who, when, from what to what; the person's
page shows them. The file is checked and logged once, as a change (access.beneficiary_for).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.permissions import Action
from parcours_engine.pathways.beneficiaries import check_identity
from parcours_engine.persistence.models import Account, Beneficiary, IdentityCorrection

# The identity fields a referent may correct, in the order the page shows them.
FIELDS = ("last_name", "first_name", "birth_date", "sex", "qualification_level", "departement", "territory")


@dataclass(frozen=True)
class Correction:
    at: datetime
    by: str | None
    field: str
    old_value: str | None
    new_value: str | None


def _text(value: Any) -> str | None:
    if value is None:
        return None
    return value.isoformat() if isinstance(value, date) else str(value)


def rectify(
    session: Session, clock: Clock, actor: Account, person_id: int, route: str, **fields: Any
) -> list[IdentityCorrection]:
    """`actor` corrects the given identity fields of the person (RECTIFY_PERSON); one history row
    per field whose value changes (none when nothing does); the whole correction is checked first."""
    person = access.beneficiary_for(session, clock, actor, person_id, Action.RECTIFY_PERSON, route)
    unknown = set(fields) - set(FIELDS)
    if unknown:
        raise TypeError(f"not identity fields: {sorted(unknown)}")
    cleaned = {key: (value.strip() if isinstance(value, str) else value) for key, value in fields.items()}
    wanted = {key: cleaned.get(key, getattr(person, key)) for key in FIELDS}
    check_identity(clock, **wanted)
    made = []
    for key in FIELDS:
        old, new = getattr(person, key), wanted[key]
        if old == new:
            continue
        row = IdentityCorrection(
            beneficiary_id=person.id,
            at=clock.now(),
            account_id=actor.id,
            field=key,
            old_value=_text(old),
            new_value=_text(new),
        )
        session.add(row)
        setattr(person, key, new)
        made.append(row)
    session.flush()
    return made


def history(session: Session, person: Beneficiary) -> list[Correction]:
    """The corrections of a person's identity, newest first (the caller has checked the file)."""
    rows = session.execute(
        select(IdentityCorrection, Account.display_name)
        .join(Account, Account.id == IdentityCorrection.account_id)
        .where(IdentityCorrection.beneficiary_id == person.id)
        .order_by(IdentityCorrection.at.desc(), IdentityCorrection.id.desc())
    ).all()
    return [Correction(row.at, name, row.field, row.old_value, row.new_value) for row, name in rows]
