"""A département's admin manages structures and accounts; every change is written to `account_event`.

The admin area (web/admin) calls these (and `structures` for the structures); the CLI keeps
accounts.accounts, on which this builds. Each change writes one journal row (`admin_journal`) in the caller's transaction: who (the admin's id), when, what (a kind and
`{field: [old, new]}` with codes only; a structure's name when it is renamed). A generated password is
returned once for the caller to show and is stored only as its argon2 hash, never in the journal.

What ends an account's sessions (accounts.end_sessions) and API tokens: a new password ends both,
deactivation ends both (reactivating revives neither), a change of role, team, structure or routing
code ends the sessions (the rights they were opened with are no longer the account's), and resetting
a lost second factor ends the sessions (the device may be in other hands).

Two refusals keep the organisation administrable: an admin cannot deactivate their own account, and
the last active admin can be neither deactivated nor given another role. Two admins demoting each
other at once cannot both succeed: on PostgreSQL the admins' rows are locked before they are counted
(the second waits, then sees the first's change and is refused); on SQLite the second's write from a
stale snapshot is refused as a conflict.

Field errors are codes of the one catalogue (`field.required`, `field.taken`, `admin.last_active_admin`,
...; domain.messages), which the admin pages render in the reader's language.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from parcours_engine.accounts import accounts, second_factor, tokens
from parcours_engine.accounts.admin_journal import record, require_admin
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import AccountRole, PathwayStatus
from parcours_engine.domain.errors import FieldError, FieldErrors, InvalidInput, NotFound
from parcours_engine.domain.paging import Page, Paging, last_page
from parcours_engine.domain.roles import LANE_ROLES
from parcours_engine.persistence import throttles
from parcours_engine.persistence.models import Account, Pathway, Structure
from parcours_engine.persistence.uow import lost_race_as_conflict

ADMIN = AccountRole.ADMIN
NO_STRUCTURE = "-"  # the accounts filter's value for accounts without a structure (admins)
TEAMS = tuple(role.code for role in LANE_ROLES)
# Account fields an admin may change after creation; the journal names them so.
EDITABLE = ("role", "team", "structure", "routing_code")
RACE = "admin.changed_meanwhile"

_USERNAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{1,79}")
_ROUTING = re.compile(r"[A-Za-z0-9_-]{1,40}")
# Generated passwords: no look-alike characters (0/o, 1/l/i), read aloud or copied without a mistake.
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


@dataclass(frozen=True)
class IssuedPassword:
    account: Account
    password: str  # shown once; only its hash is stored


@dataclass(frozen=True)
class SecondFactorSummary:
    """What resetting an account's second factor removes, for the admin to confirm."""

    account: Account
    enrolled_at: datetime | None  # None: no second factor (a pending enrolment at most)
    recovery_codes_left: int


def generate_password() -> str:
    """Four groups of four characters (about 79 bits): `abcd-efgh-jkmn-pqrs`."""
    return "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))


# Accounts ---------------------------------------------------------------------------------------


def list_accounts(
    session: Session, *, structure: str | None = None, role: str | None = None
) -> list[Account]:
    """Accounts by username, of one structure (its code, or NO_STRUCTURE) and one role when given."""
    return list(session.scalars(_accounts(session, structure, role).order_by(Account.username)))


def account_page(
    session: Session, paging: Paging, *, structure: str | None = None, role: str | None = None
) -> Page[Account]:
    """One page of `list_accounts` (by username, then id) with how many there are in all: two queries
    (a département's structures have thousands of accounts)."""
    query = _accounts(session, structure, role)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    paging = last_page(total, paging)
    rows = session.scalars(
        query.order_by(Account.username, Account.id).offset(paging.offset()).limit(paging.size)
    )
    return Page(list(rows), total, paging)


def _accounts(session: Session, structure: str | None, role: str | None) -> Select[Account]:
    query = select(Account)
    errors: FieldErrors = {}
    if role:
        if role not in accounts.STAFF_ROLES:
            errors["role"] = [FieldError("field.choice")]
        query = query.where(Account.role == role)
    if structure == NO_STRUCTURE:
        query = query.where(Account.structure_id.is_(None))
    elif structure:
        found = session.scalar(select(Structure.id).where(Structure.code == structure))
        if found is None:
            errors["structure"] = [FieldError("field.choice")]
        query = query.where(Account.structure_id == found)
    if errors:
        raise InvalidInput(field_errors=errors)
    return query


def create_account(
    session: Session,
    clock: Clock,
    actor: Account,
    *,
    username: str,
    display_name: str,
    role: str,
    structure: str | None,
    team: str | None,
    routing_code: str | None,
) -> IssuedPassword:
    """A new account with a generated password; InvalidInput names every wrong field."""
    require_admin(actor)
    username, display_name = username.strip(), display_name.strip()
    fields = {"role": role, "structure": _blank(structure), "team": _blank(team)}
    fields["routing_code"] = _blank(routing_code)
    errors = _check_fields(session, fields)
    if not username:
        errors["username"] = [FieldError("field.required")]
    elif not _USERNAME.fullmatch(username):
        errors["username"] = [FieldError("field.pattern")]
    elif session.scalar(select(Account.id).where(Account.username == username)) is not None:
        errors["username"] = [FieldError("field.taken")]
    if not display_name:
        errors["display_name"] = [FieldError("field.required")]
    elif len(display_name) > 120:
        errors["display_name"] = [FieldError("field.too_long", limit=120)]
    if errors:
        raise InvalidInput(field_errors=errors)
    password = generate_password()
    account = accounts.create_account(
        session,
        clock,
        username=username,
        password=password,
        role=role,
        structure_code=fields["structure"],
        team=fields["team"],
        display_name=display_name,
        routing_code=fields["routing_code"],
    )
    changes: dict[str, list[Any]] = {"username": [None, username]}
    changes.update({name: [None, value] for name, value in fields.items() if value is not None})
    record(session, clock, actor, "account_created", account_id=account.id, changes=changes)
    return IssuedPassword(account, password)


def update_account(
    session: Session, clock: Clock, actor: Account, account_id: int, values: dict[str, str | None]
) -> None:
    """Change role, team, structure and routing code (`values` keyed by EDITABLE; blank means none)."""
    require_admin(actor)
    account = accounts.get_account(session, account_id)
    wanted = {name: _blank(values.get(name)) for name in EDITABLE}
    errors = _check_fields(session, wanted)
    demoted = account.role == ADMIN and wanted["role"] != ADMIN and account.active
    if not errors and demoted and _other_active_admins(session, account) == 0:
        errors["role"] = [FieldError("admin.last_active_admin")]
    if errors:
        raise InvalidInput(field_errors=errors)
    current = _editable_values(account)
    changes = {name: [current[name], wanted[name]] for name in EDITABLE if current[name] != wanted[name]}
    if not changes:
        return
    structure = _structure(session, wanted["structure"])
    with lost_race_as_conflict(RACE):
        account.role = str(wanted["role"])
        account.team = wanted["team"]
        account.routing_code = wanted["routing_code"]
        account.structure = structure
        accounts.end_sessions(session, account)  # signed in again, with the new rights
        record(session, clock, actor, "account_changed", account_id=account.id, changes=changes)


@dataclass(frozen=True)
class DeactivationSummary:
    """What deactivating an account does, shown to the admin before they confirm it."""

    account: Account
    active_pathways: int  # pathways it is the referent of: they stay with it until transferred


def deactivation_summary(session: Session, actor: Account, account_id: int) -> DeactivationSummary:
    """The deactivation `actor` asks for, checked as the deactivation itself is; nothing written."""
    require_admin(actor)
    account = accounts.get_account(session, account_id)
    _check_deactivation(session, actor, account)
    followed = select(func.count(Pathway.id)).where(
        Pathway.referent_id == account.id, Pathway.status == PathwayStatus.ACTIVE
    )
    return DeactivationSummary(account, session.scalar(followed) or 0)


def _check_deactivation(session: Session, actor: Account, account: Account) -> None:
    if account.id == actor.id:
        raise InvalidInput(field_errors={"active": [FieldError("admin.cannot_deactivate_self")]})
    if account.role == ADMIN and _other_active_admins(session, account) == 0:
        raise InvalidInput(field_errors={"active": [FieldError("admin.last_active_admin")]})


def set_active(session: Session, clock: Clock, actor: Account, account_id: int, active: bool) -> None:
    """Deactivate (no sign-in, no API token, open sessions end) or reactivate an account."""
    require_admin(actor)
    account = accounts.get_account(session, account_id)
    if account.active == active:
        return
    if not active:
        _check_deactivation(session, actor, account)
    with lost_race_as_conflict(RACE):
        account.active = active
        if not active:  # nothing opened before comes back with a reactivation
            accounts.end_sessions(session, account)
            tokens.revoke_all(session, clock, account, by=actor.username)
        kind = "reactivated" if active else "deactivated"
        record(session, clock, actor, kind, account_id=account.id, changes={"active": [not active, active]})


def reset_password(session: Session, clock: Clock, actor: Account, account_id: int) -> IssuedPassword:
    """A new generated password; the old one, the account's sessions and its API tokens stop working,
    and the account's sign-in lock is lifted."""
    require_admin(actor)
    account = accounts.get_account(session, account_id)
    password = generate_password()
    account.password_hash = accounts.hash_password(password)
    accounts.end_sessions(session, account)
    tokens.revoke_all(session, clock, account, by=actor.username)
    # A person locked out by failed attempts gets in with the new password at once.
    accounts.lift_lock(session, account.username)
    record(session, clock, actor, "password_reset", account_id=account.id, changes={})
    return IssuedPassword(account, password)


def second_factor_summary(session: Session, actor: Account, account_id: int) -> SecondFactorSummary:
    """The account's second factor as a reset would remove it; refused for the admin's own."""
    require_admin(actor)
    account = accounts.get_account(session, account_id)
    _check_not_own_factor(actor, account)
    factor = second_factor.factor_of(session, account)
    return SecondFactorSummary(
        account,
        factor.confirmed_at if factor is not None else None,
        second_factor.recovery_codes_left(session, account),
    )


def reset_second_factor(session: Session, clock: Clock, actor: Account, account_id: int) -> bool:
    """Remove another account's second factor and recovery codes (a lost device): its sessions end
    (the device may be in other hands), its second step is unlocked, and the person signs in with the
    password alone until they enrol again (an admin who must have one is sent to enrol). Journaled.
    False when there was nothing to remove. An admin's own factor is disabled from their page, with
    a code: refused here."""
    require_admin(actor)
    account = accounts.get_account(session, account_id)
    _check_not_own_factor(actor, account)
    if not second_factor.remove(session, account):
        return False
    accounts.end_sessions(session, account)
    throttles.clear(session, second_factor.BY_USERNAME.scope, account.username)
    record(session, clock, actor, "second_factor_reset", account_id=account.id, changes={})
    return True


def _check_not_own_factor(actor: Account, account: Account) -> None:
    if account.id == actor.id:
        raise InvalidInput(field_errors={"second_factor": [FieldError("admin.cannot_reset_own_factor")]})


def revoke_token(session: Session, clock: Clock, actor: Account, account_id: int, token_id: int) -> None:
    """Revoke one API token of the account (journaled by its id: a label is nobody's business)."""
    require_admin(actor)
    found = tokens.revoke(session, clock, actor, token_id)
    if found.account_id != account_id:
        raise NotFound("token.not_found", id=token_id)
    record(session, clock, actor, "token_revoked", account_id=account_id, changes={"token": [token_id, None]})


def _check_fields(session: Session, fields: dict[str, str | None]) -> FieldErrors:
    """Errors of role, structure (a code), team and routing code."""
    errors: FieldErrors = {}
    role = fields["role"]
    if not role:
        errors["role"] = [FieldError("field.required")]
    elif role not in accounts.STAFF_ROLES:
        errors["role"] = [FieldError("field.choice")]
    code = fields["structure"]
    if code is None and role and role != ADMIN:
        errors["structure"] = [FieldError("admin.structure_required_for_role")]
    elif code is not None and session.scalar(select(Structure.id).where(Structure.code == code)) is None:
        errors["structure"] = [FieldError("field.choice")]
    if fields["team"] is not None and fields["team"] not in TEAMS:
        errors["team"] = [FieldError("field.choice")]
    routing = fields["routing_code"]
    if routing is not None and not _ROUTING.fullmatch(routing):
        errors["routing_code"] = [FieldError("field.pattern")]
    return errors


def _editable_values(account: Account) -> dict[str, str | None]:
    return {
        "role": account.role,
        "team": account.team,
        "structure": account.structure.code if account.structure else None,
        "routing_code": account.routing_code,
    }


def _structure(session: Session, code: str | None) -> Structure | None:
    if code is None:
        return None
    return session.scalar(select(Structure).where(Structure.code == code))


def _other_active_admins(session: Session, account: Account) -> int:
    """How many active admins besides `account`, the admins' rows locked until the transaction ends."""
    locked = session.scalars(
        select(Account.id).where(Account.role == ADMIN, Account.active.is_(True)).with_for_update()
    )
    return sum(1 for admin_id in locked if admin_id != account.id)


def _blank(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
