"""What a counsellor works from: the inbox, the caseload, pathway lists, claiming and completing tasks.

Each list is one query whatever its length (no N+1), and its counters are computed from the very
rows it shows, so they always match.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, or_, select, update
from sqlalchemy.orm import Session, aliased

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import ConflictError, Forbidden, NotFound
from parcours_engine.persistence.models import (
    Account,
    Beneficiary,
    Pathway,
    PathwayEvent,
    ReferentAssignment,
    WaitingElement,
    WorkItem,
)
from parcours_engine.services import access, pathways, referents

DUE_FILTERS = ("overdue", "today", "week", "none")
STATUSES = ("active", "completed", "cancelled")


class AlreadyDone(ConflictError):
    """Someone else completed (or the engine cancelled) the task first."""

    def __init__(self, item: WorkItem, by: str | None) -> None:
        super().__init__(f"task already {item.status} by {by or 'the engine'}")
        self.item, self.by = item, by


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
    session: Session, clock: Clock, account: Account, programme: str | None = None, due: str | None = None
) -> Inbox:
    """My open tasks and my team's unclaimed ones, overdue first then by due date."""
    now = clock.now()
    assignee = aliased(Account)
    query = (
        select(WorkItem, Pathway.programme, Beneficiary, assignee.display_name)
        .join(Pathway, WorkItem.pathway_id == Pathway.id)
        .join(Beneficiary, Pathway.beneficiary_id == Beneficiary.id)
        .outerjoin(assignee, WorkItem.assignee_id == assignee.id)
        .where(WorkItem.status == "open", or_(WorkItem.assignee_id == account.id, access.team_queue(account)))
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
    account: Account,
    *,
    programme: str | None = None,
    referent_id: int | None = None,
    status: str | None = None,
    beneficiary_id: int | None = None,
    limit: int = 500,
) -> list[PathwayRow]:
    """The pathways `account` may see, filtered; one query."""
    query = _pathway_query(access.pathway_filter(account))
    if programme:
        query = query.where(Pathway.programme == programme)
    if referent_id is not None:
        query = query.where(Pathway.referent_id == referent_id)
    if status:
        query = query.where(Pathway.status == status)
    if beneficiary_id is not None:
        query = query.where(Pathway.beneficiary_id == beneficiary_id)
    return [PathwayRow(p, b, name) for p, b, name in session.execute(query.limit(limit))]


def caseload(session: Session, account: Account) -> list[PathwayRow]:
    """The active pathways I am the referent of: my "file active"."""
    return pathway_list(session, account, referent_id=account.id, status="active")


def pathways_of(session: Session, beneficiary_id: int) -> list[PathwayRow]:
    """Every pathway of a person (the caller checked the person is visible)."""
    query = _pathway_query(Pathway.beneficiary_id == beneficiary_id)
    return [PathwayRow(p, b, name) for p, b, name in session.execute(query)]


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
class PathwayDetail:
    items: list[WorkItem]  # every task of the pathway, oldest first
    events: list[PathwayEvent]
    referents: list[ReferentAssignment]
    positions: list[WaitingElement]


def pathway_detail(session: Session, pathway: Pathway) -> PathwayDetail:
    """What the pathway page shows besides the pathway itself: four queries, whatever the sizes."""
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
    return PathwayDetail(list(items), list(events), referents.history(session, pathway.id), list(positions))


def search_beneficiaries(
    session: Session,
    account: Account,
    *,
    name: str | None = None,
    birth_date: date | None = None,
    identifier: str | None = None,
    limit: int = 100,
) -> list[Beneficiary]:
    """People `account` may see, matching every criterion given (name matches first or last name)."""
    query = select(Beneficiary).where(access.beneficiary_filter(account))
    if name and name.strip():
        pattern = f"%{name.strip().lower()}%"
        query = query.where(or_(Beneficiary.last_name.ilike(pattern), Beneficiary.first_name.ilike(pattern)))
    if birth_date is not None:
        query = query.where(Beneficiary.birth_date == birth_date)
    if identifier and identifier.strip():
        query = query.where(Beneficiary.identifier == identifier.strip())
    query = query.order_by(Beneficiary.last_name, Beneficiary.first_name, Beneficiary.id).limit(limit)
    return list(session.scalars(query))


def work_item_for(
    session: Session, clock: Clock, account: Account, item_id: int, action: str, route: str
) -> WorkItem:
    """A work item `account` may see (the read or change is logged).

    Besides the items of pathways they may see, team members see the items of their team's lane in
    their structure whoever took or completed them: two colleagues racing for one task then get a
    clear "already taken / already done by X" rather than a refusal. A referent's lane stays personal.
    """
    item = session.get(WorkItem, item_id)
    if item is None:
        raise NotFound(f"no work item {item_id}")
    pathway = item.pathway
    if (
        account.role in access.WORKER_ROLES
        and item.lane is not None
        and item.lane != "referent"
        and item.lane == account.team
        and account.structure_id is not None
        and pathway.structure_id == account.structure_id
    ):
        access.log(session, clock, account, pathway.beneficiary_id, pathway.id, action, route)
        return item
    access.pathway_for(session, clock, account, item.pathway_id, action, route)
    return item


def may_work_on(account: Account, item: WorkItem, pathway: Pathway) -> bool:
    """Whether `account` may complete the item: theirs, or unclaimed in their team's queue."""
    if item.assignee_id is not None:
        return item.assignee_id == account.id
    return bool(
        account.team is not None
        and item.lane == account.team
        and account.structure_id is not None
        and pathway.structure_id == account.structure_id
    )


def claim(session: Session, clock: Clock, account: Account, item_id: int, route: str) -> WorkItem:
    """Take an unclaimed task of my team's queue. Two claims at once: one wins, the other 409s."""
    item = work_item_for(session, clock, account, item_id, access.CHANGE, route)
    if item.status != "open":
        raise AlreadyDone(item, _name(session, item.completed_by))
    if item.assignee_id == account.id:
        return item
    if item.assignee_id is not None:
        raise ConflictError("someone else already took this task")
    if not may_work_on(account, item, item.pathway):
        raise Forbidden("this task is not for your team")
    taken = session.execute(
        update(WorkItem)
        .where(and_(WorkItem.id == item.id, WorkItem.assignee_id.is_(None), WorkItem.status == "open"))
        .values(assignee_id=account.id)
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise ConflictError("someone else already took this task")
    session.refresh(item)
    return item


def release(session: Session, clock: Clock, account: Account, item_id: int, route: str) -> WorkItem:
    """Give a task I took back to my team's queue (a referent's task stays with the referent)."""
    item = work_item_for(session, clock, account, item_id, access.CHANGE, route)
    if item.status != "open":
        raise AlreadyDone(item, _name(session, item.completed_by))
    if item.assignee_id != account.id:
        raise Forbidden("this task is not yours")
    if item.lane == "referent":
        raise ConflictError(
            "a referent's task stays with the pathway's referent; transfer the referent instead"
        )
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
    item = work_item_for(session, clock, account, item_id, access.CHANGE, route)
    if item.status != "open":
        raise AlreadyDone(item, _name(session, item.completed_by))
    if not may_work_on(account, item, item.pathway):
        raise Forbidden("this task is not yours")
    return pathways.complete_work_item(
        session, clock, item.id, data, account.username, expected_version=expected_version
    )


def _name(session: Session, username: str | None) -> str | None:
    if username is None:
        return None
    display = session.scalar(select(Account.display_name).where(Account.username == username))
    return display or username
