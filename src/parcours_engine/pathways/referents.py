"""Referents: exactly one active referent per pathway, with history.

`transfer` is the one path that changes a pathway's referent (by hand, from a model's routing, at the
end of a temporary cover): it closes the open `referent_assignment` row, opens the new one, moves the
open tasks of the referent's lane, writes a pathway event and notifies the old and the new referent.
A temporary transfer remembers whom the pathway returns to; `end_expired_transfers` (a scheduler
job) hands it back the day after `ends_on`.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import Lane, PathwayStatus, WorkItemStatus
from parcours_engine.domain.errors import FieldError, InvalidInput
from parcours_engine.domain.permissions import REFERENT_ROLES, may_be_referent
from parcours_engine.pathways import notifications
from parcours_engine.persistence.models import Account, Pathway, PathwayEvent, ReferentAssignment, WorkItem

KINDS = ("permanent", "temporary")
ROUTING_FIELD = "csp_affecte"  # what a model's routing sets (IEJ: the CSP of the young person)
MAX_RETURNS_PER_RUN = 500


def current(session: Session, pathway_id: int) -> ReferentAssignment | None:
    return session.scalar(
        select(ReferentAssignment).where(
            ReferentAssignment.pathway_id == pathway_id, ReferentAssignment.ended_at.is_(None)
        )
    )


def history(session: Session, pathway_id: int) -> list[ReferentAssignment]:
    return list(
        session.scalars(
            select(ReferentAssignment)
            .where(ReferentAssignment.pathway_id == pathway_id)
            .order_by(ReferentAssignment.started_at, ReferentAssignment.id)
        )
    )


def candidates(session: Session, pathway: Pathway) -> list[Account]:
    """Who may become the pathway's referent (domain.permissions.may_be_referent)."""
    return referent_accounts(session, pathway.structure_id)


_Q = TypeVar("_Q", bound="Select[*tuple[Any, ...]]")


def referent_accounts(session: Session, structure_id: int | None) -> list[Account]:
    """Active counsellors (reception apart) and partners of a structure (None: of every one), by name."""
    return list(session.scalars(_referents(select(Account), structure_id)))


class Named(NamedTuple):
    """An account to choose in a list: its id and its name."""

    id: int
    display_name: str


def candidate_names(session: Session, pathway: Pathway) -> list[Named]:
    """`candidates` as (id, display_name), for a choice: no account loaded (a structure of a
    département's size has thousands of counsellors: 30-90 ms as accounts, 5 ms as rows)."""
    return referent_names(session, pathway.structure_id)


def referent_names(session: Session, structure_id: int | None) -> list[Named]:
    """`referent_accounts` as (id, display_name), for a choice: no account loaded."""
    query = _referents(select(Account.id, Account.display_name), structure_id)
    return [Named(account_id, name) for account_id, name in session.execute(query)]


def _referents(query: _Q, structure_id: int | None) -> _Q:
    query = query.where(
        Account.active.is_(True),
        Account.role.in_(sorted(REFERENT_ROLES)),
        or_(Account.team.is_(None), Account.team != Lane.ACCUEIL),
    )
    if structure_id is not None:
        query = query.where(Account.structure_id == structure_id)
    return query.order_by(Account.display_name, Account.id)


def transfer(
    session: Session,
    clock: Clock,
    pathway: Pathway,
    account_id: int,
    actor: str,
    kind: str = "permanent",
    ends_on: date | None = None,
) -> ReferentAssignment:
    """Make `account_id` the pathway's referent (the caller flushes and maps conflicts)."""
    target = session.get(Account, account_id)
    if target is None:
        raise InvalidInput("referent.cannot_change", {"referent": [FieldError("referent.not_eligible")]})
    _check(clock, pathway, target, kind, ends_on)
    now = clock.now()
    previous = current(session, pathway.id)
    returns_to = None
    if previous is not None:
        previous.ended_at = now
        if kind == "temporary":
            returns_to = previous.returns_to_id if previous.kind == "temporary" else previous.account_id
        session.flush()  # the closed row leaves the one-open-row index before the new row enters it
    assignment = ReferentAssignment(
        pathway_id=pathway.id,
        account_id=target.id,
        kind=kind,
        started_at=now,
        ends_on=ends_on if kind == "temporary" else None,
        returns_to_id=returns_to,
        assigned_by=actor,
    )
    session.add(assignment)
    old_id = pathway.referent_id
    pathway.referent_id = target.id
    pathway.updated_at = now
    for item in session.scalars(
        select(WorkItem).where(
            WorkItem.pathway_id == pathway.id,
            WorkItem.status == WorkItemStatus.OPEN,
            WorkItem.lane == Lane.REFERENT,
        )
    ):
        item.assignee_id = target.id
    detail: dict[str, Any] = {"from": old_id, "to": target.id, "kind": kind, "ends_on": ends_on}
    session.add(
        PathwayEvent(
            pathway_id=pathway.id,
            at=now,
            actor=actor,
            kind="referent_changed",
            detail_json=json.dumps(detail, default=str),
        )
    )
    _notify(session, clock, pathway, old_id, target, actor, detail)
    return assignment


def _check(clock: Clock, pathway: Pathway, target: Account, kind: str, ends_on: date | None) -> None:
    """A transfer targets an active counsellor (not of reception) or partner of the pathway's
    structure (any structure when the pathway has none: started by the system)."""
    errors: dict[str, list[FieldError]] = {}
    if not may_be_referent(
        target.role, target.team, target.active, target.structure_id, pathway.structure_id
    ):
        errors["referent"] = [FieldError("referent.not_eligible")]
    elif target.id == pathway.referent_id:
        errors["referent"] = [FieldError("referent.already")]
    if kind not in KINDS:
        errors["kind"] = [FieldError("referent.kind")]
    elif kind == "temporary" and (ends_on is None or ends_on < clock.now().date()):
        errors["ends_on"] = [FieldError("referent.needs_end")]
    if pathway.status != PathwayStatus.ACTIVE:
        errors["pathway"] = [FieldError("pathway.ended")]
    if errors:
        raise InvalidInput("referent.cannot_change", errors)


def _notify(
    session: Session,
    clock: Clock,
    pathway: Pathway,
    old_id: int | None,
    target: Account,
    actor: str,
    detail: dict[str, Any],
) -> None:
    returning = actor == "scheduler"
    if target.username != actor:
        kind = "referent_returned" if returning else "referent_received"
        notifications.notify(session, clock, target.id, kind, pathway.id, detail)
    if old_id is not None and old_id != target.id:
        notifications.notify(session, clock, old_id, "referent_released", pathway.id, detail)


def route(session: Session, clock: Clock, pathway: Pathway, code: object, actor: str) -> bool:
    """Assign the referent a model's routing names (`csp_affecte`), when the pathway has none."""
    if pathway.referent_id is not None or not isinstance(code, str) or not code:
        return False
    query = select(Account).where(
        Account.routing_code == code,
        Account.active.is_(True),
        Account.role.in_(sorted(REFERENT_ROLES)),
        or_(Account.team.is_(None), Account.team != Lane.ACCUEIL),
    )
    if pathway.structure_id is not None:
        query = query.where(Account.structure_id == pathway.structure_id)
    account = session.scalar(query.order_by(Account.id).limit(1))
    if account is None:
        return False  # nobody holds this code yet: the pathway waits for an assignment by hand
    transfer(session, clock, pathway, account.id, actor)
    return True


def end_expired_transfers(session: Session, clock: Clock) -> int:
    """Hand back every pathway whose temporary cover ended before today; how many were returned."""
    today = clock.now().date()
    expired = list(
        session.scalars(
            select(ReferentAssignment)
            .where(
                ReferentAssignment.kind == "temporary",
                ReferentAssignment.ended_at.is_(None),
                ReferentAssignment.ends_on < today,
            )
            .order_by(ReferentAssignment.id)
            .limit(MAX_RETURNS_PER_RUN)
        )
    )
    returned = 0
    for assignment in expired:
        pathway = session.get(Pathway, assignment.pathway_id)
        back_to = assignment.returns_to_id
        if pathway is None or back_to is None or pathway.status != PathwayStatus.ACTIVE:
            assignment.ended_at = clock.now()  # nothing to hand back: close the cover only
            continue
        try:
            transfer(session, clock, pathway, back_to, "scheduler")
        except InvalidInput:
            # The one to return to cannot take it back (left, deactivated): the cover becomes permanent
            # rather than leave the pathway without a referent.
            assignment.kind, assignment.ends_on, assignment.returns_to_id = "permanent", None, None
            continue
        returned += 1
    session.flush()
    return returned
