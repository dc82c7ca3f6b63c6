"""Need-to-know access to people's files, and the access log.

Who may see a pathway:
- an admin: every pathway;
- a supervisor: the pathways of their structure;
- a counsellor or a partner: the pathways they are referent of, and those with an open task that is
  theirs or unclaimed in their team's lane, in their structure (the reception desk must open a file
  to receive the person);
- anyone else (coordinators write models, not files): none.
Whose figures (dashboard, overlay, indicators API): an admin reads every structure's or picks one;
everyone else reads their own structure's only, and reads nothing without one (`structure_scope`).
Who may see a beneficiary: whoever may see one of their pathways; also a counsellor or supervisor of
the structure that registered the person (to find them before starting a pathway, never to read
another referent's pathway). A file that exists but is not theirs answers 403 (`Forbidden`); one
that does not exist answers 404.

Every read and change of a person's file goes through `pathway_for`/`beneficiary_for`, which log it
in `access_log` in the caller's transaction: no log, no access.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import Forbidden, NotFound
from parcours_engine.persistence.models import AccessLog, Account, Beneficiary, Pathway, WorkItem

READ, CHANGE = "read", "change"
WORKER_ROLES = ("counsellor", "partner")


def pathway_filter(account: Account) -> ColumnElement[bool]:
    """A WHERE clause on `Pathway` selecting the pathways `account` may see."""
    if account.role == "admin":
        return true()
    if account.role == "supervisor":
        return Pathway.structure_id == account.structure_id if account.structure_id else false()
    if account.role not in WORKER_ROLES:
        return false()
    open_task = exists().where(
        WorkItem.pathway_id == Pathway.id,
        WorkItem.status == "open",
        or_(WorkItem.assignee_id == account.id, team_queue(account)),
    )
    if account.structure_id is None:
        return Pathway.referent_id == account.id
    return or_(
        Pathway.referent_id == account.id, and_(Pathway.structure_id == account.structure_id, open_task)
    )


def team_queue(account: Account) -> ColumnElement[bool]:
    """Unclaimed work items of the account's team (the caller joins Pathway for the structure)."""
    if account.team is None or account.structure_id is None:
        return false()
    return and_(
        WorkItem.assignee_id.is_(None),
        WorkItem.lane == account.team,
        Pathway.structure_id == account.structure_id,
    )


def beneficiary_filter(account: Account) -> ColumnElement[bool]:
    """A WHERE clause on `Beneficiary` selecting the people `account` may see."""
    if account.role == "admin":
        return true()
    via_pathway = exists().where(Pathway.beneficiary_id == Beneficiary.id, pathway_filter(account))
    if account.role in ("counsellor", "supervisor") and account.structure_id is not None:
        return or_(Beneficiary.structure_id == account.structure_id, via_pathway)
    return via_pathway


def pathway_for(
    session: Session, clock: Clock, account: Account, pathway_id: int, action: str, route: str
) -> Pathway:
    """The pathway if `account` may see it (logged), else NotFound or Forbidden."""
    allowed = session.execute(
        select(Pathway, pathway_filter(account)).where(Pathway.id == pathway_id)
    ).one_or_none()
    if allowed is None:
        raise NotFound(f"no pathway {pathway_id}")
    pathway, visible = allowed
    if not visible:
        raise Forbidden("this pathway is not in your caseload")
    log(session, clock, account, pathway.beneficiary_id, pathway.id, action, route)
    return pathway


def may_see_pathway(session: Session, account: Account, pathway_id: int) -> bool:
    """Whether `account` may see the pathway now (e.g. after handing it over), without logging."""
    query = select(Pathway.id).where(Pathway.id == pathway_id, pathway_filter(account))
    return session.scalar(query) is not None


def beneficiary_for(
    session: Session, clock: Clock, account: Account, beneficiary_id: int, action: str, route: str
) -> Beneficiary:
    """The beneficiary if `account` may see them (logged), else NotFound or Forbidden."""
    allowed = session.execute(
        select(Beneficiary, beneficiary_filter(account)).where(Beneficiary.id == beneficiary_id)
    ).one_or_none()
    if allowed is None:
        raise NotFound(f"no beneficiary {beneficiary_id}")
    person, visible = allowed
    if not visible:
        raise Forbidden("this person is not in your caseload")
    log(session, clock, account, person.id, None, action, route)
    return person


def structure_scope(account: Account, requested: int | None = None) -> int | None:
    """The structure whose figures `account` reads (None: every structure, for an admin only)."""
    if account.role == "admin":
        return requested
    if account.structure_id is None:
        raise Forbidden("an account without a structure reads no structure's figures")
    if requested is not None and requested != account.structure_id:
        raise Forbidden("you read your own structure's figures only")
    return account.structure_id


def require_staff_of_structure(account: Account) -> None:
    """Only those who follow people may register them or start pathways."""
    if account.role not in ("admin", "counsellor", "supervisor"):
        raise Forbidden("your role does not follow people")


def log(
    session: Session,
    clock: Clock,
    account: Account,
    beneficiary_id: int,
    pathway_id: int | None,
    action: str,
    route: str,
) -> None:
    session.add(
        AccessLog(
            at=clock.now(),
            account_id=account.id,
            beneficiary_id=beneficiary_id,
            pathway_id=pathway_id,
            action=action,
            route=route[:120],
        )
    )
