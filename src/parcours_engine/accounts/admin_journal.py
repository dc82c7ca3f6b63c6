"""The administration's journal (`account_event`): every change an admin makes to an account or a
structure, one row in the caller's transaction: who (the admin's id), when, what (a kind and
`{field: [old, new]}` with codes only; a structure's name when it is renamed); and the rule that only
an admin makes them."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import AccountRole
from parcours_engine.domain.errors import Forbidden
from parcours_engine.persistence.models import Account
from parcours_engine.persistence.models.admin import AccountEvent

ADMIN = AccountRole.ADMIN
HISTORY_LIMIT = 200


@dataclass(frozen=True)
class Event:
    """One journal row, with its actor's username for display."""

    at: datetime
    actor: str
    kind: str
    changes: dict[str, list[Any]]


def require_admin(actor: Account) -> None:
    if actor.role != ADMIN:
        raise Forbidden("admin.only")


def record(
    session: Session,
    clock: Clock,
    actor: Account,
    kind: str,
    *,
    account_id: int | None = None,
    structure_id: int | None = None,
    changes: dict[str, list[Any]],
) -> None:
    session.add(
        AccountEvent(
            at=clock.now(),
            actor_id=actor.id,
            kind=kind,
            account_id=account_id,
            structure_id=structure_id,
            changes_json=json.dumps(changes, ensure_ascii=False, sort_keys=True),
        )
    )
    session.flush()


def history(
    session: Session, *, account_id: int | None = None, structure_id: int | None = None
) -> list[Event]:
    """The journal of one account or one structure, newest first."""
    actor = aliased(Account)
    query = select(AccountEvent, actor.username).join(actor, actor.id == AccountEvent.actor_id)
    if account_id is not None:
        query = query.where(AccountEvent.account_id == account_id)
    if structure_id is not None:
        query = query.where(AccountEvent.structure_id == structure_id)
    rows = session.execute(
        query.order_by(AccountEvent.at.desc(), AccountEvent.id.desc()).limit(HISTORY_LIMIT)
    )
    return [Event(event.at, username, event.kind, json.loads(event.changes_json)) for event, username in rows]
