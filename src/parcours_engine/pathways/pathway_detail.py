"""What a pathway's page shows besides the pathway itself: its tasks, events, referents and positions,
and their history in one list, oldest first, with people's names."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine.pathways import referents
from parcours_engine.persistence.models import (
    Account,
    Pathway,
    PathwayEvent,
    ReferentAssignment,
    WaitingElement,
    WorkItem,
)


@dataclass(frozen=True)
class HistoryEntry:
    """One line of a pathway's history: a task (its state) or an event, when and by whom."""

    at: datetime
    kind: str  # "task", or the event's kind ("started", "timer_fired", "referent_changed"...)
    element_id: str | None
    name: str  # the task's name; "" for an event
    status: str | None  # a task's status; None for an event
    actor: str | None  # username (web.actors names it)
    about: str = ""  # whom the event concerns by name: the new referent of a transfer


@dataclass(frozen=True)
class PathwayDetail:
    items: list[WorkItem]  # every task of the pathway, oldest first
    events: list[PathwayEvent]
    referents: list[ReferentAssignment]
    positions: list[WaitingElement]
    actors: dict[str, str]  # username -> display name, for who did each task and event

    @property
    def history(self) -> list[HistoryEntry]:
        """Tasks and events in one list, oldest first: a task at its completion (or its opening while
        still open), an event when it happened; the start first among what happened at one moment.
        A task's completion is its own line, so the event that recorded it is not repeated."""
        entries = [
            HistoryEntry(
                item.completed_at or item.created_at,
                "task",
                item.element_id,
                item.name,
                item.status,
                item.completed_by,
            )
            for item in self.items
        ]
        referents = {a.account_id: a.account.display_name for a in self.referents if a.account is not None}
        entries += [
            HistoryEntry(
                event.at, event.kind, event.element_id, "", None, event.actor, _about(event, referents)
            )
            for event in self.events
            if event.kind != "task_completed"
        ]
        rank = {"started": 0, "task": 1}
        return sorted(entries, key=lambda entry: (entry.at, rank.get(entry.kind, 2)))


def _about(event: PathwayEvent, referents: Mapping[int, str]) -> str:
    """The new referent's name for a transfer (the event keeps ids only), else ""."""
    if event.kind != "referent_changed":
        return ""
    try:
        target = json.loads(event.detail_json or "{}").get("to")
    except (ValueError, AttributeError):
        return ""
    return referents.get(target, "") if isinstance(target, int) else ""


def pathway_detail(session: Session, pathway: Pathway) -> PathwayDetail:
    """What the pathway page shows besides the pathway itself: five queries, whatever the sizes."""
    items = session.scalars(
        select(WorkItem).where(WorkItem.pathway_id == pathway.id).order_by(WorkItem.created_at, WorkItem.id)
    )
    events = session.scalars(
        select(PathwayEvent)
        .where(PathwayEvent.pathway_id == pathway.id)
        .order_by(PathwayEvent.at, PathwayEvent.id)
    )
    positions = session.scalars(
        select(WaitingElement).where(WaitingElement.pathway_id == pathway.id).order_by(WaitingElement.since)
    )
    done, happened = list(items), list(events)
    usernames = {item.completed_by for item in done} | {event.actor for event in happened}
    named = select(Account.username, Account.display_name).where(
        Account.username.in_(sorted(filter(None, usernames)))
    )
    actors = {username: name for username, name in session.execute(named)}
    return PathwayDetail(done, happened, referents.history(session, pathway.id), list(positions), actors)
