"""What a counsellor works from: the inbox, the caseload, pathway lists, claiming and completing tasks.

Each function takes the acting account, checks the permission table (access) and logs the
access once: a list or a search logs one row with how many rows it showed. Each list is one query
whatever its length (no N+1), and its counters are computed from the very rows it shows, so they
always match.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.orm import Session, aliased

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import Lane, PathwayStatus, WorkItemStatus
from parcours_engine.domain.errors import ConflictError, FieldError, Forbidden, InvalidInput
from parcours_engine.domain.paging import Page, Paging, last_page
from parcours_engine.domain.permissions import Action
from parcours_engine.pathways import pathways, referents
from parcours_engine.persistence.models import (
    Account,
    Beneficiary,
    Pathway,
    PathwayEvent,
    ReferentAssignment,
    WaitingElement,
    WorkItem,
)

DUE_FILTERS = ("overdue", "today", "week", "none")
STATUSES = tuple(PathwayStatus)
AlreadyDone = pathways.AlreadyDone  # the one "task still open?" answer (web.errors renders it)


@dataclass(frozen=True)
class InboxRow:
    item: WorkItem
    programme: str
    beneficiary: Beneficiary
    assignee_name: str | None
    overdue: bool


@dataclass
class Inbox:
    mine: list[InboxRow] = field(default_factory=list)
    team: list[InboxRow] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        rows = self.mine + self.team
        return {
            "mine": len(self.mine),
            "team": len(self.team),
            "overdue": sum(1 for row in rows if row.overdue),
        }


def inbox(
    session: Session,
    clock: Clock,
    account: Account,
    programme: str | None = None,
    due: str | None = None,
    *,
    route: str,
) -> Inbox:
    """My open tasks and my team's unclaimed ones, overdue first then by due date (READ_TASKS)."""
    access.require(account, Action.READ_TASKS)
    now = clock.now()
    assignee = aliased(Account)
    query = (
        select(WorkItem, Pathway.programme, Beneficiary, assignee.display_name)
        .join(Pathway, WorkItem.pathway_id == Pathway.id)
        .join(Beneficiary, Pathway.beneficiary_id == Beneficiary.id)
        .outerjoin(assignee, WorkItem.assignee_id == assignee.id)
        .where(access.lane_work(account))
        .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.created_at, WorkItem.id)
    )
    if programme:
        query = query.where(Pathway.programme == programme)
    if due in DUE_FILTERS:
        query = query.where(_due_clause(due, now))
    result = Inbox()
    for item, prog, person, assignee_name in session.execute(query):
        row = InboxRow(item, prog, person, assignee_name, item.due_at is not None and item.due_at < now)
        (result.mine if item.assignee_id == account.id else result.team).append(row)
    access.log_list(session, clock, account, route, len(result.mine) + len(result.team))
    return result


def _due_clause(due: str | None, now: datetime) -> ColumnElement[bool]:
    if due == "overdue":
        return WorkItem.due_at < now
    if due == "today":
        return WorkItem.due_at < now + timedelta(days=1)
    if due == "week":
        return WorkItem.due_at < now + timedelta(days=7)
    return WorkItem.due_at.is_(None)


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
PEOPLE_SORTS = ("nom", "naissance", "identifiant")
SEARCH_LIMIT = 120


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
    joined = select(Pathway.id).join(Beneficiary, Pathway.beneficiary_id == Beneficiary.id).where(*where)
    total = session.scalar(select(func.count()).select_from(joined.subquery())) or 0
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
        .where(*where)
        .order_by(*_directed(*columns, paging.descending), Pathway.id)
        .offset(paging.offset())
        .limit(paging.size)
    )
    rows = [PathwayRow(p, b, name) for p, b, name in session.execute(query)]
    access.log_list(session, clock, account, route, len(rows))
    return Page(rows, total, paging)


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


def _directed(fixed: list[Any], columns: list[Any], descending: bool) -> list[Any]:
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


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a pathway's history: a task (its state) or an event, when and by whom."""

    at: datetime
    kind: str  # "task", or the event's kind ("started", "timer_fired", "referent_changed"...)
    element_id: str | None
    name: str  # the task's name; "" for an event
    status: str | None  # a task's status; None for an event
    actor: str | None  # username (web.actors names it)
    about: str = ""  # whom the event concerns by name: the new referent of a transfer


@dataclass(frozen=True)
class PathwayDetail:
    items: list[WorkItem]  # every task of the pathway, oldest first
    events: list[PathwayEvent]
    referents: list[ReferentAssignment]
    positions: list[WaitingElement]
    actors: dict[str, str]  # username -> display name, for who did each task and event

    @property
    def history(self) -> list[HistoryEntry]:
        """Tasks and events in one list, oldest first: a task at its completion (or its opening while
        still open), an event when it happened; the start first among what happened at one moment.
        A task's completion is its own line, so the event that recorded it is not repeated."""
        entries = [
            HistoryEntry(
                item.completed_at or item.created_at,
                "task",
                item.element_id,
                item.name,
                item.status,
                item.completed_by,
            )
            for item in self.items
        ]
        referents = {a.account_id: a.account.display_name for a in self.referents if a.account is not None}
        entries += [
            HistoryEntry(
                event.at, event.kind, event.element_id, "", None, event.actor, _about(event, referents)
            )
            for event in self.events
            if event.kind != "task_completed"
        ]
        rank = {"started": 0, "task": 1}
        return sorted(entries, key=lambda entry: (entry.at, rank.get(entry.kind, 2)))


def _about(event: PathwayEvent, referents: Mapping[int, str]) -> str:
    """The new referent's name for a transfer (the event keeps ids only), else ""."""
    if event.kind != "referent_changed":
        return ""
    try:
        target = json.loads(event.detail_json or "{}").get("to")
    except (ValueError, AttributeError):
        return ""
    return referents.get(target, "") if isinstance(target, int) else ""


def pathway_detail(session: Session, pathway: Pathway) -> PathwayDetail:
    """What the pathway page shows besides the pathway itself: five queries, whatever the sizes."""
    items = session.scalars(
        select(WorkItem).where(WorkItem.pathway_id == pathway.id).order_by(WorkItem.created_at, WorkItem.id)
    )
    events = session.scalars(
        select(PathwayEvent)
        .where(PathwayEvent.pathway_id == pathway.id)
        .order_by(PathwayEvent.at, PathwayEvent.id)
    )
    positions = session.scalars(
        select(WaitingElement).where(WaitingElement.pathway_id == pathway.id).order_by(WaitingElement.since)
    )
    done, happened = list(items), list(events)
    usernames = {item.completed_by for item in done} | {event.actor for event in happened}
    named = select(Account.username, Account.display_name).where(
        Account.username.in_(sorted(filter(None, usernames)))
    )
    actors = {username: name for username, name in session.execute(named)}
    return PathwayDetail(done, happened, referents.history(session, pathway.id), list(positions), actors)


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
        .order_by(*_directed([], columns, paging.descending), Beneficiary.id)
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


def task(session: Session, clock: Clock, account: Account, item_id: int, route: str) -> WorkItem:
    """A task to show with its form: one `account` may read and still to do (logged once)."""
    item = access.work_item_for(session, clock, account, item_id, Action.READ_PATHWAY, route)
    pathways.require_open(session, item)
    return item


def may_work_on(account: Account, item: WorkItem, pathway: Pathway) -> bool:
    """Whether `account` may claim, release or complete the item (its state apart)."""
    return access.works_on(account, item, pathway)


def _workable(session: Session, clock: Clock, account: Account, item_id: int, route: str) -> WorkItem:
    """The task `account` works on: readable (a colleague who lost a race reads "already done by X"),
    still open, and theirs or unclaimed in their team's lane; logged once, as a change."""
    access.require(account, Action.CHANGE_PATHWAY)
    item = access.work_item_for(session, clock, account, item_id, Action.READ_PATHWAY, route)
    pathways.require_open(session, item)
    if not access.works_on(account, item, item.pathway):
        if item.assignee_id is not None and item.lane == account.team and item.lane != Lane.REFERENT:
            raise ConflictError("task.already_taken")  # a colleague took it first
        raise Forbidden("task.not_yours")
    access.log(session, clock, account, item.pathway.beneficiary_id, item.pathway_id, access.CHANGE, route)
    return item


def claim(session: Session, clock: Clock, account: Account, item_id: int, route: str) -> WorkItem:
    """Take an unclaimed task of my team's queue. Two claims at once: one wins, the other 409s."""
    item = _workable(session, clock, account, item_id, route)
    if item.assignee_id == account.id:
        return item
    taken = session.execute(
        update(WorkItem)
        .where(
            and_(
                WorkItem.id == item.id, WorkItem.assignee_id.is_(None), WorkItem.status == WorkItemStatus.OPEN
            )
        )
        .values(assignee_id=account.id)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("task.already_taken")
    session.refresh(item)
    return item


def release(session: Session, clock: Clock, account: Account, item_id: int, route: str) -> WorkItem:
    """Give a task I took back to my team's queue (a referent's task stays with the referent)."""
    item = _workable(session, clock, account, item_id, route)
    if item.assignee_id != account.id:
        raise ConflictError("task.not_taken")  # a state, not a right: it is in my lane, unclaimed
    if item.lane == Lane.REFERENT:
        raise ConflictError("task.stays_with_referent")
    item.assignee_id = None
    session.flush()
    return item


def complete(
    session: Session,
    clock: Clock,
    account: Account,
    item_id: int,
    data: Mapping[str, Any],
    route: str,
    expected_version: int | None = None,
) -> Pathway:
    """Complete a task I may work on; AlreadyDone when someone completed it first."""
    item = _workable(session, clock, account, item_id, route)
    return pathways.complete_work_item(
        session, clock, item.id, data, account.username, expected_version=expected_version
    )
