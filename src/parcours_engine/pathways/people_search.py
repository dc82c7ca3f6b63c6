"""Finding people: a search by name, birth date or identifier, never a bare list of everyone; each row
says which of the person's pages the searcher may open. Logged once per search."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import FieldError, InvalidInput
from parcours_engine.domain.paging import Page, Paging, last_page
from parcours_engine.domain.permissions import Action
from parcours_engine.pathways.pathway_lists import directed
from parcours_engine.persistence.models import Account, Beneficiary

PEOPLE_SORTS = ("nom", "naissance", "identifiant")


def search_beneficiaries(
    session: Session,
    clock: Clock,
    account: Account,
    *,
    route: str,
    name: str | None = None,
    birth_date: date | None = None,
    identifier: str | None = None,
    limit: int = 100,
) -> list[Beneficiary]:
    """People `account` may find (SEARCH_PEOPLE) matching every criterion given (name matches first or
    last name); at least one criterion, never a bare list of everyone; the search is logged."""
    where = _search_where(account, name, birth_date, identifier)
    query = select(Beneficiary).where(*where)
    query = query.order_by(Beneficiary.last_name, Beneficiary.first_name, Beneficiary.id).limit(limit)
    found = list(session.scalars(query))
    access.log_list(session, clock, account, route, len(found))
    return found


@dataclass(frozen=True)
class FoundPerson:
    """A search's row, with what the searcher may open: the person's file, their passport."""

    person: Beneficiary
    may_read_file: bool
    may_read_passport: bool


def search_page(
    session: Session,
    clock: Clock,
    account: Account,
    paging: Paging,
    *,
    route: str,
    name: str | None = None,
    birth_date: date | None = None,
    identifier: str | None = None,
) -> Page[FoundPerson]:
    """One page of `search_beneficiaries`, sorted by `paging.sort` (then by id), each row saying which
    of the person's pages `account` may open (the permission table's READ_PERSON and READ_PASSPORT):
    a partner finds the people shared with it and reaches their passport, not their file."""
    where = _search_where(account, name, birth_date, identifier)
    total = session.scalar(select(func.count(Beneficiary.id)).where(*where)) or 0
    paging = last_page(total, paging)
    sorts: dict[str, list[Any]] = {
        "nom": [Beneficiary.last_name, Beneficiary.first_name],
        "naissance": [Beneficiary.birth_date, Beneficiary.last_name],
        "identifiant": [Beneficiary.identifier],
    }
    columns = sorts[paging.sort or "nom"]
    query = (
        select(
            Beneficiary,
            access.beneficiary_filter(account, Action.READ_PERSON),
            access.beneficiary_filter(account, Action.READ_PASSPORT),
        )
        .where(*where)
        .order_by(*directed([], columns, paging.descending), Beneficiary.id)
        .offset(paging.offset())
        .limit(paging.size)
    )
    rows = [
        FoundPerson(person, bool(file), bool(passport)) for person, file, passport in session.execute(query)
    ]
    access.log_list(session, clock, account, route, len(rows))
    return Page(rows, total, paging)


def _search_where(
    account: Account, name: str | None, birth_date: date | None, identifier: str | None
) -> list[ColumnElement[bool]]:
    access.require(account, Action.SEARCH_PEOPLE)
    if not (name and name.strip()) and birth_date is None and not (identifier and identifier.strip()):
        raise InvalidInput(field_errors={"name": [FieldError("search.criterion_required")]})
    too_long = {
        field: [FieldError("field.too_long", limit=limit)]
        for field, value, limit in (("name", name, 120), ("identifier", identifier, 32))
        if value and len(value.strip()) > limit
    }
    if too_long:
        raise InvalidInput(field_errors=too_long)
    where = [access.beneficiary_filter(account, Action.SEARCH_PEOPLE), access.not_erased()]
    if name and name.strip():
        pattern = f"%{name.strip().lower()}%"
        where.append(or_(Beneficiary.last_name.ilike(pattern), Beneficiary.first_name.ilike(pattern)))
    if birth_date is not None:
        where.append(Beneficiary.birth_date == birth_date)
    if identifier and identifier.strip():
        where.append(Beneficiary.identifier == identifier.strip())
    return where
