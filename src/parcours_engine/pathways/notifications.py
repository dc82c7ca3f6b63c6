"""In-app notifications: closed kinds with ids in their detail, never free text about a person.

Notices of one kind to one account are grouped: the referent changes of one unit of work (a batch
of transfers, the covers that end on a day, a demo load) make one notification listing the
pathways (`detail["pathways"]`), and the sweep's stall notices one digest per referent and day
(supervision.supervision). Pages name each pathway's person and programme (`named_pathways`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.persistence.models import Beneficiary, Notification, Pathway

KINDS = ("referent_received", "referent_released", "referent_returned", "appointment_missed")
_BATCH = "parcours.notification_batch"  # session.info key: this unit of work's notices, by group


def notify(
    session: Session, clock: Clock, account_id: int, kind: str, pathway_id: int | None, detail: dict[str, Any]
) -> Notification:
    """A notice to `account_id` about `pathway_id`, added to the same account's notice of the same
    kind (and terms) made earlier in this unit of work, if any."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    terms = {key: value for key, value in detail.items() if key in ("kind", "ends_on")}
    group = (account_id, kind, json.dumps(terms, default=str, sort_keys=True))
    batch: dict[tuple[int, str, str], Notification] = session.info.setdefault(_BATCH, {})
    note = batch.get(group)
    if note is not None:
        grouped = json.loads(note.detail_json)
        if pathway_id is not None and pathway_id not in grouped["pathways"]:
            grouped["pathways"].append(pathway_id)
        note.detail_json = json.dumps(grouped, default=str)
        return note
    note = Notification(
        account_id=account_id,
        kind=kind,
        pathway_id=pathway_id,
        detail_json=json.dumps(
            {**terms, "pathways": [] if pathway_id is None else [pathway_id]}, default=str
        ),
        created_at=clock.now(),
    )
    session.add(note)
    batch[group] = note
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


def pathway_ids(note: Notification, found: dict[str, Any]) -> list[int]:
    """The pathways a notice is about: its list (grouped notices), else its one pathway."""
    listed = found.get("pathways")
    if isinstance(listed, list):
        return [entry["pathway"] if isinstance(entry, dict) else entry for entry in listed]
    return [] if note.pathway_id is None else [note.pathway_id]


@dataclass(frozen=True)
class NamedPathway:
    pathway_id: int
    programme: str
    last_name: str
    first_name: str


def named_pathways(session: Session, ids: Iterable[int]) -> dict[int, NamedPathway]:
    """Each pathway's programme and person, in one query, for the notices of one page."""
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    rows = session.execute(
        select(Pathway.id, Pathway.programme, Beneficiary.last_name, Beneficiary.first_name)
        .join(Beneficiary, Beneficiary.id == Pathway.beneficiary_id)
        .where(Pathway.id.in_(wanted))
    )
    return {row.id: NamedPathway(row.id, row.programme, row.last_name, row.first_name) for row in rows}
