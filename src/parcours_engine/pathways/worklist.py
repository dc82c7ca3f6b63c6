"""What a counsellor works from: the inbox, claiming, releasing and completing tasks.

Each function takes the acting account, checks the permission table (access) and logs the
access once. The inbox is three queries whatever its length (no N+1): its counters, then the first
rows of my tasks and of my team's. Lists of pathways: pathway_lists; a pathway's
history: pathway_detail; finding people: people_search (re-exported here for their callers).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select, update
from sqlalchemy.orm import Session, aliased

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import Lane, WorkItemStatus
from parcours_engine.domain.errors import ConflictError, Forbidden
from parcours_engine.domain.permissions import Action
from parcours_engine.pathways import pathways
from parcours_engine.pathways.pathway_detail import HistoryEntry, PathwayDetail, pathway_detail
from parcours_engine.pathways.pathway_lists import (
    PATHWAY_SORTS,
    STATUSES,
    PathwayRow,
    caseload,
    caseload_page,
    pathway_list,
    pathway_page,
    pathways_of,
)
from parcours_engine.pathways.people_search import (
    PEOPLE_SORTS,
    FoundPerson,
    search_beneficiaries,
    search_page,
)
from parcours_engine.persistence.models import Account, Beneficiary, Pathway, WorkItem

__all__ = [
    "DUE_FILTERS",
    "INBOX_ROWS",
    "PATHWAY_SORTS",
    "PEOPLE_SORTS",
    "STATUSES",
    "AlreadyDone",
    "FoundPerson",
    "HistoryEntry",
    "Inbox",
    "InboxRow",
    "PathwayDetail",
    "PathwayRow",
    "caseload",
    "caseload_page",
    "claim",
    "complete",
    "inbox",
    "may_work_on",
    "pathway_detail",
    "pathway_list",
    "pathway_page",
    "pathways_of",
    "release",
    "search_beneficiaries",
    "search_page",
    "task",
]

DUE_FILTERS = ("overdue", "today", "week", "none")
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
    # Every task of each list, shown or not ("mine", "team", "overdue"): a list shows its first rows.
    counts: dict[str, int] = field(default_factory=lambda: {"mine": 0, "team": 0, "overdue": 0})


INBOX_ROWS = 100  # the first rows of each list a page shows; the counters count every task


def inbox(
    session: Session,
    clock: Clock,
    account: Account,
    programme: str | None = None,
    due: str | None = None,
    *,
    route: str,
    rows: int | None = None,
) -> Inbox:
    """My open tasks and my team's unclaimed ones, overdue first then by due date (READ_TASKS): the
    first `rows` of each (all when None), and how many there are in all (one count query)."""
    access.require(account, Action.READ_TASKS)
    now = clock.now()
    where = [access.lane_work(account)]
    if programme:
        where.append(Pathway.programme == programme)
    if due in DUE_FILTERS:
        where.append(_due_clause(due, now))
    mine, overdue = WorkItem.assignee_id == account.id, WorkItem.due_at < now
    counted = session.execute(
        select(func.count(), func.count(case((mine, 1))), func.count(case((overdue, 1))))
        .select_from(WorkItem)
        .join(Pathway, WorkItem.pathway_id == Pathway.id)
        .where(*where)
    ).one()
    result = Inbox(counts={"mine": counted[1], "team": counted[0] - counted[1], "overdue": counted[2]})
    assignee = aliased(Account)
    query = (
        select(WorkItem, Pathway.programme, Beneficiary, assignee.display_name)
        .join(Pathway, WorkItem.pathway_id == Pathway.id)
        .join(Beneficiary, Pathway.beneficiary_id == Beneficiary.id)
        .outerjoin(assignee, WorkItem.assignee_id == assignee.id)
        .where(*where)
        .order_by(WorkItem.due_at.is_(None), WorkItem.due_at, WorkItem.created_at, WorkItem.id)
        .limit(rows)
    )
    for section, which in ((result.mine, mine), (result.team, WorkItem.assignee_id.is_(None))):
        for item, prog, person, assignee_name in session.execute(query.where(which)):
            overdue_now = item.due_at is not None and item.due_at < now
            section.append(InboxRow(item, prog, person, assignee_name, overdue_now))
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
