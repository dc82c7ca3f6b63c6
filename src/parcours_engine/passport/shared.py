"""The people shared with a partner structure: those whose consent to share with it is in force.

A partner's first page. Only people the partner may read the passport of (the permission table's
PARTNER_WITH_CONSENT scope); searchable by name; every reading of the list is logged.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import FieldError, InvalidInput
from parcours_engine.domain.permissions import Action
from parcours_engine.persistence.models import Account, Beneficiary
from parcours_engine.persistence.models.passport import SharingConsent

NAME_LIMIT = 120


@dataclass(frozen=True)
class SharedPerson:
    beneficiary_id: int
    last_name: str
    first_name: str
    identifier: str
    birth_date: date
    shared_since: date


def shared_people(
    session: Session, clock: Clock, account: Account, *, route: str, name: str = "", limit: int = 200
) -> list[SharedPerson]:
    """The people whose consent to share with `account`'s structure is in force, by name."""
    access.require(account, Action.LIST_SHARED_PEOPLE)
    name = name.strip()
    if len(name) > NAME_LIMIT:
        raise InvalidInput(field_errors={"name": [FieldError("field.too_long", limit=NAME_LIMIT)]})
    if account.structure_id is None:
        access.log_list(session, clock, account, route, 0)
        return []
    given = aliased(SharingConsent)  # the table's own filter reads SharingConsent in a subquery
    query = (
        select(Beneficiary, given.given_on)
        .join(given, given.beneficiary_id == Beneficiary.id)
        .where(
            given.structure_id == account.structure_id,
            given.withdrawn_at.is_(None),
            access.beneficiary_filter(account, Action.LIST_SHARED_PEOPLE),
        )
    )
    if name:
        pattern = f"%{name.lower()}%"
        query = query.where(or_(Beneficiary.last_name.ilike(pattern), Beneficiary.first_name.ilike(pattern)))
    query = query.order_by(Beneficiary.last_name, Beneficiary.first_name, Beneficiary.id).limit(limit)
    found = [
        SharedPerson(
            person.id, person.last_name, person.first_name, person.identifier, person.birth_date, since
        )
        for person, since in session.execute(query)
    ]
    access.log_list(session, clock, account, route, len(found))
    return found
