"""Stalled pathways: the sweep that flags them, the list supervisors read, the referent's counter.

Everything here is set-based SQL over the projection tables, never a loop over pathways (only the
newly flagged rows are grouped per referent into their digest): the
conditions of `domain/supervision.py` are three index range scans (`pathway.idle_stall_at`,
`waiting_element.stall_at`, `work_item(status, due_at)`), ranked per pathway with ROW_NUMBER.

A pathway is flagged once per stall: the sweep sets `stalled_since` on pathways that are not flagged
yet and notifies their referent (one digest a day listing the pathways) and the supervisors of their
structure (one digest per sweep). The flag clears when no condition holds any more; the projection
clears it at the save that ends the condition (pathways/projection.py), the sweep catches anything else. A pathway
that stalls again later is flagged again.
"""

from __future__ import annotations

import json
import typing
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Subquery,
    Table,
    and_,
    bindparam,
    cast,
    func,
    insert,
    literal,
    null,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy.orm import Session

from parcours_engine.domain import supervision as rules
from parcours_engine.domain.enums import AccountRole, PathwayStatus, WorkItemStatus
from parcours_engine.persistence.models import (
    Account,
    Beneficiary,
    Notification,
    Pathway,
    PathwayEvent,
    ProcessElement,
    WaitingElement,
    WorkItem,
)

STALLED_KIND = "pathway_stalled"  # to the referent, one digest a day listing their new stalls
DIGEST_KIND = "stalled_digest"  # to each supervisor, one per sweep that flagged something


@dataclass(frozen=True)
class SweepResult:
    flagged: int
    cleared: int
    reason_changed: int


@dataclass(frozen=True)
class Scope:
    """Which conditions a query looks at: the unflagged pathways only, and/or recent deadlines only."""

    unflagged: bool = False
    deadlines_after: datetime | None = None
    within: Select[Any] | None = None  # pathway ids


def conditions(now: datetime, scope: Scope = Scope()) -> Subquery:
    """Stall conditions holding at `now`: (pathway_id, reason, element_id, since, rank)."""

    def row(reason: str, element: Any, since: Any) -> list[ColumnElement[Any]]:
        return [
            literal(reason, String(24)).label("reason"),
            element.label("element_id"),
            since.label("since"),
            literal(rules.REASON_RANK[reason], Integer).label("rank"),
        ]

    def narrowed(query: Select[Any], owner: Any, deadline: Any) -> Select[Any]:
        query = query.where(deadline <= now)
        if scope.deadlines_after is not None:
            query = query.where(deadline > scope.deadlines_after)
        if scope.within is not None:
            query = query.where(owner.in_(scope.within))
        if scope.unflagged:
            if owner is not Pathway.id:
                query = query.join(Pathway, Pathway.id == owner)
            query = query.where(Pathway.stalled_since.is_(None), Pathway.status == PathwayStatus.ACTIVE)
        return query

    element = select(
        WaitingElement.pathway_id.label("pathway_id"),
        *row(rules.ELEMENT_WAIT_TOO_LONG, WaitingElement.element_id, WaitingElement.stall_at),
    )
    task = select(WorkItem.pathway_id, *row(rules.TASK_OVERDUE, WorkItem.element_id, WorkItem.due_at)).where(
        WorkItem.status == WorkItemStatus.OPEN
    )
    idle = select(
        Pathway.id, *row(rules.IDLE_TOO_LONG, cast(null(), String(120)), Pathway.idle_stall_at)
    ).where(Pathway.status == PathwayStatus.ACTIVE)
    return union_all(
        narrowed(element, WaitingElement.pathway_id, WaitingElement.stall_at),
        narrowed(task, WorkItem.pathway_id, WorkItem.due_at),
        narrowed(idle, Pathway.id, Pathway.idle_stall_at),
    ).subquery("stall_condition")


def top_conditions(now: datetime, scope: Scope = Scope()) -> Subquery:
    """The one condition to report per pathway (domain rank, then oldest), as a subquery."""
    found = conditions(now, scope)
    ranked = select(
        found,
        func.row_number()
        .over(partition_by=found.c.pathway_id, order_by=(found.c.rank, found.c.since))
        .label("position"),
    ).subquery("ranked_condition")
    return (
        select(ranked.c.pathway_id, ranked.c.reason, ranked.c.element_id, ranked.c.since)
        .where(ranked.c.position == 1)
        .subquery("top_condition")
    )


def sweep(session: Session, now: datetime, previous: datetime | None = None) -> SweepResult:
    """Flag pathways that became stalled (notifying once), refresh reasons, clear ended stalls.

    Conditions only start with time passing (a deadline goes by) and end at a save, where the
    projection clears the flag or updates its reason. So with `previous`, the instant of this
    process's last sweep, only deadlines passed since then are looked at (new stalls, changed
    reasons): a few short index range scans. Without it (first run, then daily: scheduler/jobs.py)
    every condition is re-checked and any stall left behind is cleared.

    Run it in its own unit of work, one at a time (scheduler/jobs.py holds a lock for it): two
    concurrent sweeps could both notify the same new stall.
    """
    flagged = _flag_new(session, now, previous)
    if previous is None:
        changed, cleared = _refresh_and_clear(session, now)
    else:
        changed, cleared = _refresh_reasons(session, now, previous), 0
    return SweepResult(flagged=flagged, cleared=cleared, reason_changed=changed)


@dataclass(frozen=True)
class _NewStall:
    pathway_id: int
    referent_id: int | None
    structure_id: int | None
    reason: str
    element_id: str | None


def _flag_new(session: Session, now: datetime, previous: datetime | None) -> int:
    """Flag the pathways stalled now and not flagged yet, in one UPDATE that returns them; their
    events and notices are written from those rows (ranking the conditions once, not per statement)."""
    top = top_conditions(now, Scope(unflagged=True, deadlines_after=previous))
    flagged = session.execute(
        update(Pathway)
        .where(
            Pathway.id == top.c.pathway_id,
            Pathway.stalled_since.is_(None),
            Pathway.status == PathwayStatus.ACTIVE,
        )
        .values(stalled_since=top.c.since, stall_reason=top.c.reason, stall_element_id=top.c.element_id)
        .returning(
            Pathway.id,
            Pathway.referent_id,
            Pathway.structure_id,
            Pathway.stall_reason,
            Pathway.stall_element_id,
        )
        .execution_options(synchronize_session=False)
    )
    new = sorted(
        (
            _NewStall(pathway_id, referent_id, structure_id, str(reason), element_id)
            for pathway_id, referent_id, structure_id, reason, element_id in flagged
        ),
        key=lambda stall: stall.pathway_id,
    )
    if not new:
        return 0
    session.execute(  # Core, not the ORM's bulk insert: it would split the batch at each NULL element
        insert(typing.cast(Table, PathwayEvent.__table__)),
        [
            {
                "pathway_id": stall.pathway_id,
                "at": now,
                "actor": "scheduler",
                "kind": "stalled",
                "element_id": stall.element_id,
                "detail_json": json.dumps({"reason": stall.reason, "element": stall.element_id}),
            }
            for stall in new
        ],
    )
    _digest_to_referents(
        session,
        now,
        [(s.referent_id, s.pathway_id, s.reason, s.element_id) for s in new if s.referent_id is not None],
    )
    _digest_to_supervisors(session, now, new)
    return len(new)


def _digest_to_supervisors(session: Session, now: datetime, new: Sequence[_NewStall]) -> None:
    """One notice per active supervisor and sweep: how many of the new stalls are in their scope
    (their structure's, or every structure's for a supervisor attached to none)."""
    per_structure = Counter(stall.structure_id for stall in new)
    supervisors = session.execute(
        select(Account.id, Account.structure_id)
        .where(Account.role == AccountRole.SUPERVISOR, Account.active.is_(True))
        .order_by(Account.id)
    )
    notices = []
    for account_id, structure_id in supervisors:
        count = len(new) if structure_id is None else per_structure.get(structure_id, 0)
        if count:
            notices.append(
                {
                    "account_id": account_id,
                    "kind": DIGEST_KIND,
                    "pathway_id": None,
                    "detail_json": json.dumps({"count": count}),
                    "created_at": now,
                }
            )
    if notices:
        session.execute(insert(typing.cast(Table, Notification.__table__)), notices)


def _digest_to_referents(session: Session, now: datetime, flagged: Sequence[tuple[Any, ...]]) -> None:
    """One notice per referent and day listing their newly stalled pathways: a sweep's new stalls
    join the referent's unread digest of the day, if there is one, else make a new one."""
    by_referent: dict[int, list[dict[str, Any]]] = {}
    for referent_id, pathway_id, reason, element in flagged:
        by_referent.setdefault(referent_id, []).append(
            {"pathway": pathway_id, "reason": reason, "element": element}
        )
    if not by_referent:
        return
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    unread_today = session.scalars(
        select(Notification)
        .where(
            Notification.kind == STALLED_KIND,
            Notification.account_id.in_(sorted(by_referent)),
            Notification.read_at.is_(None),
            Notification.created_at >= day,
        )
        .order_by(Notification.id)
    )
    digests = {note.account_id: note for note in unread_today if '"pathways"' in note.detail_json}
    for referent_id, entries in by_referent.items():
        note = digests.get(referent_id)
        if note is None:
            session.add(
                Notification(
                    account_id=referent_id,
                    kind=STALLED_KIND,
                    pathway_id=entries[0]["pathway"] if len(entries) == 1 else None,
                    detail_json=json.dumps({"pathways": entries}),
                    created_at=now,
                )
            )
            continue
        listed = json.loads(note.detail_json)["pathways"]
        known = {entry["pathway"] for entry in listed}
        listed.extend(entry for entry in entries if entry["pathway"] not in known)
        note.detail_json, note.pathway_id = json.dumps({"pathways": listed}), None
    session.flush()


def _refresh_reasons(session: Session, now: datetime, previous: datetime) -> int:
    """A stalled pathway whose most specific condition changed with time keeps its flag, new reason:
    ranks only the pathways where a deadline passed since `previous`, with all their conditions."""
    recent = select(conditions(now, Scope(deadlines_after=previous)).c.pathway_id)
    top = top_conditions(now, Scope(within=recent))
    result = session.execute(
        update(Pathway)
        .where(
            Pathway.id == top.c.pathway_id,
            Pathway.stalled_since.is_not(None),
            or_(
                Pathway.stall_reason != top.c.reason,
                Pathway.stall_element_id.is_distinct_from(top.c.element_id),
            ),
        )
        .values(stall_reason=top.c.reason, stall_element_id=top.c.element_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


CHUNK = 1000  # ids per UPDATE ... WHERE id IN (...): within every database's parameter limit


def _refresh_and_clear(session: Session, now: datetime) -> tuple[int, int]:
    """The full sweep's check of every flagged pathway, in one pass: each one's top condition
    (ranked once for every pathway) is outer-joined to it; a reason that changed is refreshed, and
    a flag left behind is cleared (a safety net: the projection clears a stall at the save that
    ends it). Only the few rows that change come back and are updated by id."""
    top = top_conditions(now)
    changes = session.execute(
        select(Pathway.id, top.c.reason, top.c.element_id)
        .outerjoin(top, and_(top.c.pathway_id == Pathway.id, Pathway.status == PathwayStatus.ACTIVE))
        .where(
            Pathway.stalled_since.is_not(None),
            or_(
                top.c.reason.is_(None),
                Pathway.stall_reason != top.c.reason,
                Pathway.stall_element_id.is_distinct_from(top.c.element_id),
            ),
        )
        .order_by(Pathway.id)
    ).all()
    ended = [pathway_id for pathway_id, reason, _element in changes if reason is None]
    for part in range(0, len(ended), CHUNK):
        session.execute(
            update(Pathway)
            .where(Pathway.id.in_(ended[part : part + CHUNK]))
            .values(stalled_since=None, stall_reason=None, stall_element_id=None)
            .execution_options(synchronize_session=False)
        )
    changed = [
        {"pathway_id": pathway_id, "reason": reason, "element_id": element}
        for pathway_id, reason, element in changes
        if reason is not None
    ]
    if changed:
        table = typing.cast(Table, Pathway.__table__)
        session.connection().execute(
            update(table)
            .where(table.c.id == bindparam("pathway_id"))
            .values(stall_reason=bindparam("reason"), stall_element_id=bindparam("element_id")),
            changed,
        )
    return len(changed), len(ended)


# --- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StalledRow:
    pathway_id: int
    programme: str
    beneficiary_identifier: str
    referent_id: int | None
    referent_name: str | None
    reason: str
    element_id: str | None
    element_name: str | None
    stalled_since: datetime
    idle_since: datetime | None

    def days_stalled(self, now: datetime) -> int:
        return (now - self.stalled_since).days


SORTS = {
    "stalled_since": Pathway.stalled_since,
    "programme": Pathway.programme,
    "reason": Pathway.stall_reason,
    "referent": Account.display_name,
    "element": Pathway.stall_element_id,
}


@dataclass(frozen=True)
class StalledFilter:
    programme: str | None = None
    reason: str | None = None
    referent_id: int | None = None
    structure_id: int | None = None

    def clauses(self) -> list[object]:
        # No status test: only active pathways are stalled (the projection clears a stall when a
        # pathway ends, the full sweep clears leftovers), and the partial indexes hold stalled rows only.
        found: list[object] = [Pathway.stalled_since.is_not(None)]
        if self.programme:
            found.append(Pathway.programme == self.programme)
        if self.reason:
            found.append(Pathway.stall_reason == self.reason)
        if self.referent_id is not None:
            found.append(Pathway.referent_id == self.referent_id)
        if self.structure_id is not None:
            found.append(Pathway.structure_id == self.structure_id)
        return found


def stalled_list(
    session: Session,
    where: StalledFilter | None = None,
    sort: str = "stalled_since",
    descending: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> list[StalledRow]:
    """One page of stalled pathways, sorted (by `SORTS`) and filtered; the oldest stalls first by default."""
    key = SORTS.get(sort, Pathway.stalled_since)
    query = (
        select(
            Pathway.id.label("pathway_id"),
            Pathway.programme,
            Beneficiary.identifier.label("beneficiary_identifier"),
            Pathway.referent_id,
            Account.display_name.label("referent_name"),
            Pathway.stall_reason.label("reason"),
            Pathway.stall_element_id.label("element_id"),
            ProcessElement.name.label("element_name"),
            Pathway.stalled_since,
            Pathway.idle_since,
        )
        .join(Beneficiary, Beneficiary.id == Pathway.beneficiary_id)
        .outerjoin(Account, Account.id == Pathway.referent_id)
        .outerjoin(
            ProcessElement,
            and_(
                ProcessElement.process_version_id == Pathway.process_version_id,
                ProcessElement.element_id == Pathway.stall_element_id,
            ),
        )
        .where(*(where or StalledFilter()).clauses())  # type: ignore[arg-type]
        .order_by(key.desc() if descending else key, Pathway.id)
        .limit(limit)
        .offset(offset)
    )
    return [StalledRow(**row._mapping) for row in session.execute(query)]


def stalled_count(session: Session, where: StalledFilter | None = None) -> int:
    query = select(func.count(Pathway.id)).where(*(where or StalledFilter()).clauses())  # type: ignore[arg-type]
    return session.scalar(query) or 0


def stalled_count_for_referent(session: Session, account_id: int) -> int:
    """The counter of the referent's inbox banner: their pathways stalled now."""
    return stalled_count(session, StalledFilter(referent_id=account_id))
