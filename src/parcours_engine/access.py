"""Need-to-know access: the permission table (domain.permissions) as SQL filters and checks, and the
access log.

Every use case that reads or changes a person's file asks here, once: `require` (may this account do
this action at all?), `pathway_filter`/`beneficiary_filter` (which rows, for lists), and
`pathway_for`/`beneficiary_for`/`work_item_for` (this one file, or NotFound when it does not exist,
Forbidden when it is not theirs). The last three log the access in `access_log` in the caller's
transaction; a use case logs one row per file whatever the number of checks it makes (a read then a
change of the same file is one "change" row). Lists and searches log one row with the number of
people shown (`log_list`); a refused attempt is logged in a transaction of its own, since the
request's is rolled back (`log_refusal`).

Whose figures (dashboard, overlay, indicators API): an admin reads every structure's or picks one;
everyone else reads their own structure's only, and nothing without one (`structure_scope`).
"""

from __future__ import annotations

import logging

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import AccountRole, Lane, WorkItemStatus
from parcours_engine.domain.errors import Forbidden, NotFound
from parcours_engine.domain.permissions import Action, Profile, Scope, profile, scopes
from parcours_engine.persistence.models import (
    AccessLog,
    Account,
    Beneficiary,
    Erasure,
    Pathway,
    PathwayState,
    WorkItem,
)
from parcours_engine.persistence.models.passport import SharingConsent
from parcours_engine.persistence.uow import defer, deferred, unit_of_work

log_ = logging.getLogger(__name__)

# What the access log's `action` column says.
READ, CHANGE, LIST, REFUSED, EXPORT = "read", "change", "list", "refused", "export"
_CHANGES = frozenset(
    {
        Action.CHANGE_PATHWAY,
        Action.TRANSFER_REFERENT,
        Action.EXIT_PATHWAY,
        Action.START_PATHWAY,
        Action.REGISTER_PERSON,
        Action.RECTIFY_PERSON,
        Action.ERASE_PERSON,
        Action.WRITE_PASSPORT,
        Action.RECORD_CONSENT,
        Action.PRINT_ACCESS_CARD,
        Action.CHANGE_CONTACT,
        Action.BOOK_APPOINTMENT,
    }
)


# Actions on one person's file, and on one pathway (what `web.permissions` checks from the URL).
ON_A_PERSON = frozenset(
    {
        Action.READ_PERSON,
        Action.RECTIFY_PERSON,
        Action.EXPORT_PERSON,
        Action.READ_ACCESS_HISTORY,
        Action.ERASE_PERSON,
        Action.START_PATHWAY,
        Action.READ_PASSPORT,
        Action.WRITE_PASSPORT,
        Action.RECORD_CONSENT,
        Action.PRINT_ACCESS_CARD,
        Action.READ_CONTACT,
        Action.CHANGE_CONTACT,
        Action.READ_APPOINTMENTS,
        Action.BOOK_APPOINTMENT,
    }
)
ON_A_PATHWAY = frozenset(
    {Action.READ_PATHWAY, Action.TRANSFER_REFERENT, Action.EXIT_PATHWAY, Action.CORRECT_EXIT}
)


def profile_of(account: Account) -> Profile:
    return profile(account.role, account.team)


def scopes_of(account: Account, action: Action) -> frozenset[Scope]:
    if not account.active:
        return frozenset()
    return scopes(profile_of(account), action)


def require(account: Account, action: Action) -> frozenset[Scope]:
    """The scopes in which `account` may do `action`; Forbidden when there is none."""
    found = scopes_of(account, action)
    if not found:
        raise Forbidden("access.not_for_your_role")
    return found


# -- filters --------------------------------------------------------------------------------------


def lane_work(account: Account) -> ColumnElement[bool]:
    """Open work items assigned to `account` or unclaimed in its team's lane, in its structure.

    The caller joins (or correlates) `Pathway`; this is the one writing of the team-lane rule.
    """
    if account.structure_id is None:
        return false()
    return and_(_lane_items(account), Pathway.structure_id == account.structure_id)


def _lane_items(account: Account) -> ColumnElement[bool]:
    """Open work items assigned to `account` or unclaimed in its team's lane (any structure)."""
    mine_or_team = WorkItem.assignee_id == account.id
    if account.team is not None:
        mine_or_team = or_(mine_or_team, and_(WorkItem.assignee_id.is_(None), WorkItem.lane == account.team))
    return and_(WorkItem.status == WorkItemStatus.OPEN, mine_or_team)


def _pathway_clause(account: Account, scope: Scope) -> ColumnElement[bool]:
    if scope is Scope.ALL:
        return true()
    if scope is Scope.STRUCTURE:
        return Pathway.structure_id == account.structure_id if account.structure_id else false()
    if scope is Scope.OWN_CASELOAD:
        return Pathway.referent_id == account.id
    if scope is Scope.TEAM_LANE:
        # lane_work as IN rather than a correlated EXISTS: the lane's open items are few and read by
        # index, instead of a probe for every pathway of the structure (a list of 200,000: 190 ms).
        if account.structure_id is None:
            return false()
        lane = select(WorkItem.pathway_id).where(_lane_items(account))
        return and_(Pathway.structure_id == account.structure_id, Pathway.id.in_(lane))
    return false()  # SELF and PARTNER_WITH_CONSENT open no pathway


def pathway_filter(account: Account, action: Action = Action.READ_PATHWAY) -> ColumnElement[bool]:
    """A WHERE clause on `Pathway` selecting the pathways `account` may `action`."""
    found = scopes_of(account, action)
    if Scope.ALL in found:
        return true()
    clauses = [_pathway_clause(account, scope) for scope in sorted(found)]
    return or_(false(), *clauses)


def _person_clause(account: Account, scope: Scope) -> ColumnElement[bool]:
    if scope is Scope.ALL:
        return true()
    if scope is Scope.PARTNER_WITH_CONSENT:
        if account.structure_id is None:
            return false()
        return exists().where(
            SharingConsent.beneficiary_id == Beneficiary.id,
            SharingConsent.structure_id == account.structure_id,
            SharingConsent.withdrawn_at.is_(None),
        )
    via_pathway = exists().where(Pathway.beneficiary_id == Beneficiary.id, _pathway_clause(account, scope))
    if scope is Scope.STRUCTURE and account.structure_id is not None:
        return or_(Beneficiary.structure_id == account.structure_id, via_pathway)
    return via_pathway


def not_erased() -> ColumnElement[bool]:
    """A WHERE clause on `Beneficiary`: people whose file is not anonymised (searches skip the others)."""
    return ~exists().where(Erasure.beneficiary_id == Beneficiary.id)


def beneficiary_filter(account: Account, action: Action = Action.READ_PERSON) -> ColumnElement[bool]:
    """A WHERE clause on `Beneficiary` selecting the people `account` may `action`."""
    found = scopes_of(account, action)
    if Scope.ALL in found:
        return true()
    return or_(false(), *[_person_clause(account, scope) for scope in sorted(found)])


# -- checks of one file ---------------------------------------------------------------------------


def pathway_for(
    session: Session, clock: Clock, account: Account, pathway_id: int, action: Action, route: str
) -> Pathway:
    """The pathway if `account` may `action` it (logged once), else NotFound or Forbidden."""
    require(account, action)
    kept = exists().where(PathwayState.pathway_id == Pathway.id)  # none: anonymised (pathways.retention)
    allowed = session.execute(
        select(Pathway, pathway_filter(account, action), kept).where(Pathway.id == pathway_id)
    ).one_or_none()
    if allowed is None or not allowed[2]:
        raise NotFound("pathway.not_found", id=pathway_id)
    pathway, visible, _kept = allowed
    if not visible:
        raise Forbidden("access.not_your_caseload")
    log(session, clock, account, pathway.beneficiary_id, pathway.id, action, route)
    return pathway


def may(session: Session, account: Account, pathway_id: int, action: Action = Action.READ_PATHWAY) -> bool:
    """Whether `account` may `action` the pathway now (e.g. after handing it over), without logging."""
    query = select(Pathway.id).where(Pathway.id == pathway_id, pathway_filter(account, action))
    return session.scalar(query) is not None


def may_person(session: Session, account: Account, beneficiary_id: int, action: Action) -> bool:
    """Whether `account` may `action` this person now (what a page offers), without logging."""
    if not scopes_of(account, action):
        return False
    query = select(Beneficiary.id).where(
        Beneficiary.id == beneficiary_id, beneficiary_filter(account, action)
    )
    return session.scalar(query) is not None


def beneficiary_for(
    session: Session, clock: Clock, account: Account, beneficiary_id: int, action: Action, route: str
) -> Beneficiary:
    """The person if `account` may `action` them (logged once), else NotFound or Forbidden."""
    require(account, action)
    erased = exists().where(Erasure.beneficiary_id == Beneficiary.id)  # anonymised: no file any more
    allowed = session.execute(
        select(Beneficiary, beneficiary_filter(account, action), erased).where(
            Beneficiary.id == beneficiary_id
        )
    ).one_or_none()
    if allowed is None or allowed[2]:
        raise NotFound("person.not_found", id=beneficiary_id)
    person, visible, _erased = allowed
    if not visible:
        raise Forbidden("access.not_your_caseload")
    log(session, clock, account, person.id, None, action, route)
    return person


def work_item_for(
    session: Session, clock: Clock, account: Account, item_id: int, action: Action, route: str
) -> WorkItem:
    """A work item `account` may read (READ_PATHWAY) or work on (CHANGE_PATHWAY); logged once.

    Reading: the items of the pathways they may see and, for team members, the items of their team's
    lane in their structure whoever took or completed them (two colleagues racing for one task then
    get a clear "already done by X" rather than a refusal; a referent's lane stays personal).
    Working: an item assigned to them, or unclaimed in their team's lane, in their structure (its
    state, open or not, is the caller's check).
    """
    require(account, action)
    item = session.get(WorkItem, item_id)
    if item is None:
        raise NotFound("task.not_found", id=item_id)
    pathway = item.pathway
    if action is Action.CHANGE_PATHWAY:
        if not works_on(account, item, pathway):
            raise Forbidden("task.not_yours")
    elif not _in_team_lane(account, item, pathway) and not may(session, account, pathway.id, action):
        raise Forbidden("access.not_your_caseload")
    log(session, clock, account, pathway.beneficiary_id, pathway.id, action, route)
    return item


def _in_team_lane(account: Account, item: WorkItem, pathway: Pathway) -> bool:
    return bool(
        Scope.TEAM_LANE in scopes_of(account, Action.READ_PATHWAY)
        and item.lane is not None
        and item.lane != Lane.REFERENT
        and item.lane == account.team
        and account.structure_id is not None
        and pathway.structure_id == account.structure_id
    )


def works_on(account: Account, item: WorkItem, pathway: Pathway) -> bool:
    """Whether `account` may claim, release or complete the item (its state apart)."""
    if Scope.TEAM_LANE not in scopes_of(account, Action.CHANGE_PATHWAY):
        return False
    if account.structure_id is None or pathway.structure_id != account.structure_id:
        return account.role == AccountRole.ADMIN and item.assignee_id == account.id
    if item.assignee_id is not None:
        return item.assignee_id == account.id
    return account.team is not None and item.lane == account.team


def structure_scope(account: Account, requested: int | None = None) -> int | None:
    """The structure whose figures `account` reads (None: every structure, for an admin only)."""
    if account.role == AccountRole.ADMIN:
        return requested
    if account.structure_id is None:
        raise Forbidden("access.no_structure")
    if requested is not None and requested != account.structure_id:
        raise Forbidden("access.own_structure_only")
    return account.structure_id


# -- the access log -------------------------------------------------------------------------------


def log(
    session: Session,
    clock: Clock,
    account: Account,
    beneficiary_id: int,
    pathway_id: int | None,
    action: Action | str,
    route: str,
) -> None:
    """One row per account and file in a unit of work, written when the unit ends (persistence.uow
    `defer`: a read takes no write lock): a second access to the same file within one use case adds
    nothing, and a change after a read of the same file turns the row into a change."""
    kind = action if action in (READ, CHANGE) else (CHANGE if action in _CHANGES else READ)
    if action is Action.EXPORT_PERSON:
        kind = EXPORT  # the whole file handed out (RGPD Art. 15): its own kind, never merged away
    key = ("access_log", account.id, beneficiary_id, pathway_id)
    earlier = next((row for row in deferred(session) if getattr(row, "_parcours_key", None) == key), None)
    if earlier is not None:
        if kind in (CHANGE, EXPORT):
            earlier.action = kind
        return
    row = AccessLog(
        at=clock.now(),
        account_id=account.id,
        beneficiary_id=beneficiary_id,
        pathway_id=pathway_id,
        action=kind,
        route=route[:120],
    )
    row._parcours_key = key  # type: ignore[attr-defined]
    defer(session, row, key)


def log_list(session: Session, clock: Clock, account: Account, route: str, shown: int) -> None:
    """A list or a search: who, through which route, how many people or pathways it showed."""
    defer(
        session, AccessLog(at=clock.now(), account_id=account.id, action=LIST, route=route[:120], shown=shown)
    )


def log_refusal(
    sessions: sessionmaker[Session], clock: Clock, account_id: int, what: str, route: str
) -> None:
    """A refused attempt, in a transaction of its own (the request's own was rolled back).

    Call it once the request's transaction has ended (on SQLite it would otherwise wait for the
    request's write lock). A failure to log is reported, never raised: the refusal stands.
    """
    try:
        with unit_of_work(sessions) as session:
            session.add(
                AccessLog(
                    at=clock.now(),
                    account_id=account_id,
                    action=REFUSED,
                    route=f"{route} [{what}]"[:120],
                )
            )
    except Exception:  # the answer is already a refusal: losing its log is reported, not raised
        log_.exception("could not log a refused attempt on %s", route)
