"""Reminders sent by the scheduler: a task due soon is announced once to its assignee.

Set-based: one UPDATE marks the tasks entering the reminder window (`work_item.reminder_sent_at`),
one INSERT ... SELECT writes their notifications. Reminders that a programme itself defines (the end of
a CER one month ahead, the 18-month limit of the RSA accompaniment) are timers of its model: they open
a task in the referent's inbox, which this module then reminds like any other task with a due date.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, cast, insert, literal, select, update
from sqlalchemy.orm import Session

from parcours_engine.domain import supervision as rules
from parcours_engine.domain.enums import WorkItemStatus
from parcours_engine.persistence.models import Notification, WorkItem
from parcours_engine.persistence.types import UTCDateTime

DUE_SOON_KIND = "task_due_soon"


def remind_tasks_due_soon(session: Session, now: datetime) -> int:
    """Notify the assignee of every open task due within the window, once per task; how many."""
    due_soon = (
        WorkItem.status == WorkItemStatus.OPEN,
        WorkItem.due_at > now,
        WorkItem.due_at <= now + rules.TASK_REMINDER_WINDOW,
        WorkItem.assignee_id.is_not(None),
    )
    # Mark first with this run's instant, then notify exactly the rows marked with it: a task that
    # appears between the two statements is left for the next run instead of being lost.
    marked = session.execute(
        update(WorkItem)
        .where(*due_soon, WorkItem.reminder_sent_at.is_(None))
        .values(reminder_sent_at=now)
        .execution_options(synchronize_session=False)
    )
    count = int(marked.rowcount or 0)  # type: ignore[attr-defined]
    if not count:
        return 0
    detail = (
        literal('{"work_item": ')
        + cast(WorkItem.id, String)
        + literal(', "element": "')
        + WorkItem.element_id
        + literal('"}')
    )
    rows = select(
        WorkItem.assignee_id, literal(DUE_SOON_KIND), WorkItem.pathway_id, detail, literal(now, UTCDateTime())
    ).where(*due_soon, WorkItem.reminder_sent_at == now)
    session.execute(
        insert(Notification).from_select(
            ["account_id", "kind", "pathway_id", "detail_json", "created_at"], rows
        )
    )
    return count
