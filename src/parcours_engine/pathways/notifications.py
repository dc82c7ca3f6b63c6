"""In-app notifications: closed kinds with ids in their detail, never free text about a person."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.persistence.models import Notification

KINDS = ("referent_received", "referent_released", "referent_returned")


def notify(
    session: Session, clock: Clock, account_id: int, kind: str, pathway_id: int | None, detail: dict[str, Any]
) -> Notification:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    note = Notification(
        account_id=account_id,
        kind=kind,
        pathway_id=pathway_id,
        detail_json=json.dumps(detail, default=str),
        created_at=clock.now(),
    )
    session.add(note)
    return note


def unread_count(session: Session, account_id: int) -> int:
    query = select(func.count(Notification.id)).where(
        Notification.account_id == account_id, Notification.read_at.is_(None)
    )
    return session.scalar(query) or 0


def recent(session: Session, account_id: int, limit: int = 100) -> list[Notification]:
    return list(
        session.scalars(
            select(Notification)
            .where(Notification.account_id == account_id)
            .order_by(Notification.created_at.desc(), Notification.id.desc())
            .limit(limit)
        )
    )


def mark_all_read(session: Session, clock: Clock, account_id: int) -> None:
    session.execute(
        update(Notification)
        .where(Notification.account_id == account_id, Notification.read_at.is_(None))
        .values(read_at=clock.now())
    )


def detail(note: Notification) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(note.detail_json or "{}")
    return loaded
