"""Idle and stalled pathways at a save: idle since, planned measure, idle deadline, stalls cleared.

Part of the projection (pathways.projection writes the rows; this module decides what the idle and
stall columns say). The rules themselves are in domain/supervision.py.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from parcours_engine.domain import supervision as rules
from parcours_engine.domain.appointments import AppointmentStatus
from parcours_engine.domain.enums import PathwayStatus
from parcours_engine.engine.loader import ProcessModel
from parcours_engine.engine.runtime import Runtime, Workflow
from parcours_engine.engine.timers import PARIS
from parcours_engine.persistence.models import IdlePeriod, Pathway, WaitingElement, WorkItem
from parcours_engine.persistence.models.appointments import Appointment


def project_idle(
    session: Session,
    pathway: Pathway,
    workflow: Workflow,
    model: ProcessModel,
    now: datetime,
    busy: bool,
    finished: bool,
) -> None:
    """Idle since, planned measure, idle deadline; close an idle period when a measure starts or is planned."""
    idle_from_before = _idle_from(pathway.idle_since, pathway.measure_planned_until, now)
    planned = None if finished else planned_until(workflow, now)
    if model.appointments_planned and not finished and pathway.id is not None:
        booked = appointment_planned_until(session, pathway.id, now)
        planned = max((d for d in (planned, booked) if d is not None), default=None)
    pathway.measure_planned_until = planned
    pathway.idle_since = None if busy else (pathway.idle_since or now)
    idle_from_now = _idle_from(pathway.idle_since, pathway.measure_planned_until, now)
    if idle_from_before is not None and idle_from_now is None and not finished and idle_from_before < now:
        seconds = int((now - idle_from_before).total_seconds())
        session.add(
            IdlePeriod(
                pathway_id=pathway.id,  # set: a new pathway cannot be leaving an idle wait
                programme=pathway.programme,
                structure_id=pathway.structure_id,
                started_at=idle_from_before,
                ended_at=now,
                seconds=seconds,
            )
        )
    threshold = model.idle_threshold_days
    if pathway.idle_since is None or threshold <= 0:
        pathway.idle_stall_at = None
    else:
        start = max(pathway.idle_since, pathway.measure_planned_until or pathway.idle_since)
        pathway.idle_stall_at = start + timedelta(days=threshold)


def _idle_from(idle_since: datetime | None, planned_until: datetime | None, now: datetime) -> datetime | None:
    """Since when the pathway is idle at `now` (no measure running, none planned), or None."""
    if idle_since is None or (planned_until is not None and planned_until > now):
        return None
    return max(idle_since, planned_until) if planned_until is not None else idle_since


def planned_until(workflow: Workflow, now: datetime) -> datetime | None:
    """The end (Paris midnight, in UTC) of the day a measure is planned for, when in the future.

    Models say it with the data key `date_prochaine_mesure` (processes/README.md): in the workflow's
    data or in the data of a task waiting now; the latest date wins.
    """
    values = [Runtime.data_value(workflow, rules.PLANNED_MEASURE_KEY)]
    values += Runtime.waiting_values(workflow, rules.PLANNED_MEASURE_KEY)
    ends = [end for value in values if (end := _end_of_day(value)) is not None and end > now]
    return max(ends, default=None)


_NEXT_APPOINTMENT = select(func.max(Appointment.starts_at)).where(
    Appointment.pathway_id == bindparam("pathway_id"),
    Appointment.status == AppointmentStatus.PLANNED,
    Appointment.starts_at > bindparam("now"),
)


def appointment_planned_until(session: Session, pathway_id: int, now: datetime) -> datetime | None:
    """The end (Paris midnight, in UTC) of the day of the pathway's last appointment still to come:
    for a programme that says so (`appointmentsCountAsPlanned`), a booked appointment is a plan."""
    starts = session.scalar(_NEXT_APPOINTMENT, {"pathway_id": pathway_id, "now": now})
    return None if starts is None else _end_of_day(starts.astimezone(PARIS).date())


def refresh_planned(
    session: Session, pathway: Pathway, workflow: Workflow, model: ProcessModel, now: datetime
) -> None:
    """Idle since, planned measure, idle deadline again after the pathway's appointments changed."""
    if pathway.status == PathwayStatus.ACTIVE and model.appointments_planned:
        project_idle(session, pathway, workflow, model, now, pathway.idle_since is None, False)


def _end_of_day(value: object) -> datetime | None:
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, str):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            return None
    if not isinstance(value, date):
        return None
    return datetime.combine(value + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC)


def clear_resolved_stall(
    pathway: Pathway, open_items: list[WorkItem], waits: list[WaitingElement], now: datetime, finished: bool
) -> None:
    """Stalls only start with time passing (the sweep flags them) but end at a save: clear them here.

    While another condition still holds the pathway stays stalled (flagged once), with that reason.
    """
    if pathway.stalled_since is None:
        return
    conditions = [] if finished else stall_conditions(pathway, open_items, waits, now)
    top = rules.top_condition(conditions)
    if top is None:
        pathway.stalled_since = pathway.stall_reason = pathway.stall_element_id = None
    else:
        pathway.stall_reason, pathway.stall_element_id = top.reason, top.element_id


def stall_conditions(
    pathway: Pathway, open_items: list[WorkItem], waits: list[WaitingElement], now: datetime
) -> list[rules.StallCondition]:
    """The stall conditions that hold for one pathway at `now` (the sweep asks the same in SQL)."""
    found = [
        rules.StallCondition(rules.ELEMENT_WAIT_TOO_LONG, row.element_id, row.stall_at)
        for row in waits
        if row.stall_at is not None and row.stall_at <= now
    ]
    found += [
        rules.StallCondition(rules.TASK_OVERDUE, item.element_id, item.due_at)
        for item in open_items
        if item.due_at is not None and item.due_at <= now
    ]
    if pathway.idle_stall_at is not None and pathway.idle_stall_at <= now:
        found.append(rules.StallCondition(rules.IDLE_TOO_LONG, None, pathway.idle_stall_at))
    return found
