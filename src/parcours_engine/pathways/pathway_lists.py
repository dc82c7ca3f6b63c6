"""Lists of pathways: the caseload ("file active"), every pathway an account may see, a person's.

Each function takes the acting account, checks the permission table (access) and logs the list once
with how many rows it showed. A page is two queries (count and rows) whatever its size (no N+1).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select
from sqlalchemy.orm import Session, aliased, lazyload

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import PathwayStatus
from parcours_engine.domain.errors import FieldError, InvalidInput
from parcours_engine.domain.paging import Page, Paging, last_page
from parcours_engine.domain.permissions import Action
from parcours_engine.persistence.models import Account, Beneficiary, Pathway

STATUSES = tuple(PathwayStatus)


@dataclass(frozen=True)
class PathwayRow:
    pathway: Pathway
    beneficiary: Beneficiary
    referent_name: str | None


def pathway_list(
    session: Session,
    clock: Clock,
    account: Account,
    *,
    route: str,
    programme: str | None = None,
    referent_id: int | None = None,
    status: str | None = None,
    limit: int = 500,
) -> list[PathwayRow]:
    """The pathways `account` may see (LIST_PATHWAYS), filtered; one query; the list is logged."""
    access.require(account, Action.LIST_PATHWAYS)
    query = _pathway_query(access.pathway_filter(account, Action.LIST_PATHWAYS))
    if programme:
        query = query.where(Pathway.programme == programme)
    if referent_id is not None:
        query = query.where(Pathway.referent_id == referent_id)
    if status:
        query = query.where(Pathway.status == status)
    rows = [PathwayRow(p, b, name) for p, b, name in session.execute(query.limit(limit))]
    access.log_list(session, clock, account, route, len(rows))
    return rows


PATHWAY_SORTS = ("sans_mesure", "personne", "programme", "debut", "referent")
SEARCH_LIMIT = 120
# Up to this many pathways, a list's default order is one sort of them all (read through the filter's
# own indexes); past it, two parts that walk the idle date's index (_idle_first_ids).
SORTED_AT_ONCE = 1000


def pathway_page(
    session: Session,
    clock: Clock,
    account: Account,
    paging: Paging,
    *,
    route: str,
    programme: str | None = None,
    referent_id: int | None = None,
    status: str | None = None,
    search: str = "",
) -> Page[PathwayRow]:
    """One page of the pathways `account` may see (LIST_PATHWAYS), filtered, searched by the person's
    name or identifier, sorted by `paging.sort` (then by id: a stable order); two queries (count and
    page) whatever the page size; the page is logged with how many rows it showed."""
    access.require(account, Action.LIST_PATHWAYS)
    search = _bounded_search(search)
    referent = aliased(Account)
    where = [access.pathway_filter(account, Action.LIST_PATHWAYS)]
    if programme:
        where.append(Pathway.programme == programme)
    if referent_id is not None:
        where.append(Pathway.referent_id == referent_id)
    if status:
        where.append(Pathway.status == status)
    if search:
        where.append(_person_matches(search))
    total = _count(session, where, joined=bool(search))
    paging = last_page(total, paging)
    # Empty values (no idle date, no referent) come last in both directions.
    sorts: dict[str, tuple[list[Any], list[Any]]] = {
        "sans_mesure": ([Pathway.idle_since.is_(None)], [Pathway.idle_since, Beneficiary.last_name]),
        "personne": ([], [Beneficiary.last_name, Beneficiary.first_name]),
        "programme": ([], [Pathway.programme, Beneficiary.last_name]),
        "debut": ([], [Pathway.started_at]),
        "referent": ([referent.display_name.is_(None)], [referent.display_name, Beneficiary.last_name]),
    }
    columns = sorts[paging.sort or "sans_mesure"]
    query = (
        select(Pathway, Beneficiary, referent.display_name)
        .join(Beneficiary, Pathway.beneficiary_id == Beneficiary.id)
        .outerjoin(referent, Pathway.referent_id == referent.id)
        .order_by(*directed(*columns, paging.descending), Pathway.id)
        .options(lazyload(Pathway.process_version))  # a list shows no version: no BPMN read
    )
    if (paging.sort or "sans_mesure") == "sans_mesure" and total > SORTED_AT_ONCE:
        query = query.where(Pathway.id.in_(_idle_first_ids(session, where, paging, joined=bool(search))))
    else:
        query = query.where(*where).offset(paging.offset()).limit(paging.size)
    rows = [PathwayRow(p, b, name) for p, b, name in session.execute(query)]
    access.log_list(session, clock, account, route, len(rows))
    return Page(rows, total, paging)


def _ids(where: list[ColumnElement[bool]], joined: bool) -> Select[int]:
    """The ids of the pathways matching `where`, joined to the person when `where` reads them."""
    query = select(Pathway.id)
    if joined:
        query = query.join(Beneficiary, Pathway.beneficiary_id == Beneficiary.id)
    return query.where(*where)


def _count(session: Session, where: list[ColumnElement[bool]], joined: bool) -> int:
    return session.scalar(select(func.count()).select_from(_ids(where, joined).subquery())) or 0


def _idle_first_ids(
    session: Session, where: list[ColumnElement[bool]], paging: Paging, joined: bool
) -> list[int]:
    """The page's ids in the default order (idle pathways first by idle date, then the others; then by
    the person's name and id), read in two parts instead of one sort of every pathway: the idle ones
    walking an index by date (ix_pathway_structure_idle_since, or ix_pathway_idle_since for every
    structure), then, past them, the others by name (a deep page: these are sorted)."""
    person = Pathway.beneficiary_id == Beneficiary.id
    idle = [*where, Pathway.idle_since.is_not(None)]
    idle_count = _count(session, idle, joined)
    found: list[int] = []
    if paging.offset() < idle_count:
        found += session.scalars(
            select(Pathway.id)
            .join(Beneficiary, person)
            .where(*idle)
            .order_by(
                *directed([], [Pathway.idle_since, Beneficiary.last_name], paging.descending), Pathway.id
            )
            .offset(paging.offset())
            .limit(paging.size)
        )
    if len(found) < paging.size:
        found += session.scalars(
            select(Pathway.id)
            .join(Beneficiary, person)
            .where(*where, Pathway.idle_since.is_(None))
            .order_by(*directed([], [Beneficiary.last_name], paging.descending), Pathway.id)
            .offset(max(paging.offset() - idle_count, 0))
            .limit(paging.size - len(found))
        )
    return found


def _bounded_search(search: str | None) -> str:
    search = (search or "").strip()
    if len(search) > SEARCH_LIMIT:
        raise InvalidInput(field_errors={"q": [FieldError("field.too_long", limit=SEARCH_LIMIT)]})
    return search


def _person_matches(search: str) -> ColumnElement[bool]:
    """A person whose first or last name holds `search` (any case), or whose identifier it is."""
    pattern = f"%{search.lower()}%"
    return or_(
        Beneficiary.last_name.ilike(pattern),
        Beneficiary.first_name.ilike(pattern),
        func.upper(Beneficiary.identifier) == search.upper(),
    )


def directed(fixed: list[Any], columns: list[Any], descending: bool) -> list[Any]:
    """`fixed` (empty values last) then `columns` in the asked direction."""
    return [*fixed, *(c.desc() if descending else c for c in columns)]


def caseload_page(
    session: Session, clock: Clock, account: Account, paging: Paging, route: str, search: str = ""
) -> Page[PathwayRow]:
    """One page of my "file active" (the active pathways I am the referent of)."""
    return pathway_page(
        session,
        clock,
        account,
        paging,
        route=route,
        referent_id=account.id,
        status=PathwayStatus.ACTIVE,
        search=search,
    )


def caseload(session: Session, clock: Clock, account: Account, route: str) -> list[PathwayRow]:
    """The active pathways I am the referent of: my "file active"."""
    return pathway_list(
        session, clock, account, route=route, referent_id=account.id, status=PathwayStatus.ACTIVE
    )


def pathways_of(session: Session, account: Account, beneficiary_id: int) -> list[PathwayRow]:
    """The pathways of a person that `account` may read (the caller read the person, logged)."""
    where = and_(Pathway.beneficiary_id == beneficiary_id, access.pathway_filter(account))
    return [PathwayRow(p, b, name) for p, b, name in session.execute(_pathway_query(where))]


def _pathway_query(where: ColumnElement[bool]) -> Select[Pathway, Beneficiary, str]:
    referent = aliased(Account)
    return (
        select(Pathway, Beneficiary, referent.display_name)
        .join(Beneficiary, Pathway.beneficiary_id == Beneficiary.id)
        .outerjoin(referent, Pathway.referent_id == referent.id)
        .where(where)
        .order_by(Pathway.idle_since.is_(None), Pathway.idle_since, Beneficiary.last_name, Pathway.id)
    )
