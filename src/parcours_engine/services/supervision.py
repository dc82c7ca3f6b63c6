"""Stalled pathways: the sweep that flags them, the list supervisors read, the referent's counter.

Everything here is set-based SQL over the projection tables, never a loop over pathways: the
conditions of `domain/supervision.py` are three index range scans (`pathway.idle_stall_at`,
`waiting_element.stall_at`, `work_item(status, due_at)`), ranked per pathway with ROW_NUMBER.

A pathway is flagged once per stall: the sweep sets `stalled_since` on pathways that are not flagged
yet and notifies their referent (one notification per pathway) and the supervisors of their structure
(one digest per sweep). The flag clears when no condition holds any more; the projection clears it at
the save that ends the condition (services/projection.py), the sweep catches anything else. A pathway
that stalls again later is flagged again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    String,
    Subquery,
    and_,
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
from parcours_engine.persistence.types import UTCDateTime

STALLED_KIND = "pathway_stalled"  # to the referent, one per stalled pathway
DIGEST_KIND = "stalled_digest"  # to each supervisor, one per sweep that flagged something


@dataclass(frozen=True)
class SweepResult:
    flagged: int
    cleared: int
    reason_changed: int


def conditions(now: datetime) -> Subquery:
    """Every stall condition holding at `now`: (pathway_id, reason, element_id, since, rank)."""

    def row(reason: str, element: Any, since: Any) -> list[ColumnElement[Any]]:
        return [
            literal(reason, String(24)).label("reason"),
            element.label("element_id"),
            since.label("since"),
            literal(rules.REASON_RANK[reason], Integer).label("rank"),
        ]

    element = select(
        WaitingElement.pathway_id.label("pathway_id"),
        *row(rules.ELEMENT_WAIT_TOO_LONG, WaitingElement.element_id, WaitingElement.stall_at),
    ).where(WaitingElement.stall_at <= now)
    task = select(WorkItem.pathway_id, *row(rules.TASK_OVERDUE, WorkItem.element_id, WorkItem.due_at)).where(
        WorkItem.status == "open", WorkItem.due_at <= now
    )
    idle = select(
        Pathway.id, *row(rules.IDLE_TOO_LONG, cast(null(), String(120)), Pathway.idle_stall_at)
    ).where(Pathway.idle_stall_at <= now, Pathway.status == "active")
    return union_all(element, task, idle).subquery("stall_condition")


def top_conditions(now: datetime) -> Subquery:
    """The one condition to report per pathway (domain rank, then oldest), as a subquery."""
    found = conditions(now)
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


def sweep(session: Session, now: datetime) -> SweepResult:
    """Flag pathways that became stalled (notifying once), refresh reasons, clear ended stalls.

    Run it in its own unit of work, one at a time (scheduler/jobs.py holds a lock for it): two
    concurrent sweeps could both notify the same new stall.
    """
    flagged = _flag_new(session, now)
    changed = _refresh_reasons(session, now)
    cleared = _clear_ended(session, now)
    return SweepResult(flagged=flagged, cleared=cleared, reason_changed=changed)


def _flag_new(session: Session, now: datetime) -> int:
    top = top_conditions(now)
    new = (Pathway.id == top.c.pathway_id, Pathway.stalled_since.is_(None), Pathway.status == "active")
    at = literal(now, UTCDateTime())
    detail = (
        literal('{"reason": "')
        + top.c.reason
        + literal('", "element": ')
        + func.coalesce(literal('"') + top.c.element_id + literal('"'), literal("null"))
        + literal("}")
    )
    columns = ["account_id", "kind", "pathway_id", "detail_json", "created_at"]
    to_referents = select(Pathway.referent_id, literal(STALLED_KIND), Pathway.id, detail, at).where(
        *new, Pathway.referent_id.is_not(None)
    )
    session.execute(insert(Notification).from_select(columns, to_referents))
    supervisors = (
        select(
            Account.id,
            literal(DIGEST_KIND),
            null(),
            literal('{"count": ') + cast(func.count(Pathway.id), String) + literal("}"),
            at,
        )
        .where(*new)
        .join(
            Account,
            and_(
                Account.role == "supervisor",
                Account.active.is_(True),
                or_(Account.structure_id.is_(None), Account.structure_id == Pathway.structure_id),
            ),
        )
        .group_by(Account.id)
    )
    session.execute(insert(Notification).from_select(columns, supervisors))
    events = select(Pathway.id, at, literal("scheduler"), literal("stalled"), top.c.element_id, detail).where(
        *new
    )
    session.execute(
        insert(PathwayEvent).from_select(
            ["pathway_id", "at", "actor", "kind", "element_id", "detail_json"], events
        )
    )
    result = session.execute(
        update(Pathway)
        .where(*new)
        .values(stalled_since=top.c.since, stall_reason=top.c.reason, stall_element_id=top.c.element_id)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _refresh_reasons(session: Session, now: datetime) -> int:
    """A stalled pathway whose most specific condition changed with time keeps its flag, new reason."""
    top = top_conditions(now)
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


def _clear_ended(session: Session, now: datetime) -> int:
    holding = select(conditions(now).c.pathway_id)
    result = session.execute(
        update(Pathway)
        .where(
            Pathway.stalled_since.is_not(None),
            or_(Pathway.status != "active", Pathway.id.not_in(holding)),
        )
        .values(stalled_since=None, stall_reason=None, stall_element_id=None)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


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
        found: list[object] = [Pathway.stalled_since.is_not(None), Pathway.status == "active"]
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
