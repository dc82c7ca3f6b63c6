"""A model's user task that asks for an appointment (`appointmentKind`, processes/README.md).

The task page offers to book that kind of appointment for the pathway's person; recording the
attendance of an appointment of that kind booked for the pathway decides the task, in the same unit
of work as the attendance:
- *venu*: the task completes, with the host's data (`rendez_vous_id`, `rendez_vous_date`,
  `rendez_vous_presence`), never a form's;
- *excusé*: the task stays open, for the next appointment to be booked;
- *absent non excusé*: the task stays open too, the pathway's history records the missed appointment
  at that step, and the referent gets a "Relancer la personne" notice naming the person (any unexcused
  absence at an appointment booked for a pathway does, task or not).
The model's own task is kept open and marked; the referent's "Relancer la personne" follow-up is a
host-side row beside it, made by the appointments feature (appointments.follow_ups), never a task of
the model.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine.domain.appointments import Attendance, to_paris
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import PathwayStatus, WorkItemStatus
from parcours_engine.pathways import models_cache, notifications, pathways, projection
from parcours_engine.persistence.models import Pathway, WorkItem
from parcours_engine.persistence.models.appointments import Appointment

MISSED_KIND = "appointment_missed"  # the referent's notice: call the person back


def kind_of(item: WorkItem) -> str | None:
    """The appointment kind the task asks for, or None for an ordinary task."""
    meta = models_cache.model_for(item.pathway.process_version).elements.get(item.element_id)
    return meta.appointment_kind if meta is not None else None


def on_attendance(session: Session, clock: Clock, appointment: Appointment, actor: str) -> None:
    """Decide the pathway's appointment task (and notify an unexcused absence) once recorded."""
    on_planning_changed(session, clock, appointment)
    if appointment.pathway_id is None:
        return
    pathway = session.get(Pathway, appointment.pathway_id)
    if pathway is None or pathway.status != PathwayStatus.ACTIVE:
        return
    item = _waiting_task(session, pathway, appointment.kind)
    if appointment.attendance == Attendance.VENU and item is not None:
        data = {
            "rendez_vous_id": appointment.id,
            "rendez_vous_date": to_paris(appointment.starts_at).date().isoformat(),
            "rendez_vous_presence": appointment.attendance,
        }
        pathways.complete_work_item(session, clock, item.id, data, actor, by_appointment=True)
        return
    if appointment.attendance != Attendance.ABSENT_NON_EXCUSE:
        return
    detail = {"appointment": appointment.id, "kind": appointment.kind}
    pathways.log_event(session, pathway, clock, actor, MISSED_KIND, detail | _step(item))
    to = pathway.referent_id or appointment.counsellor_id
    notifications.notify(session, clock, to, MISSED_KIND, pathway.id, {})


def on_planning_changed(session: Session, clock: Clock, appointment: Appointment) -> None:
    """A pathway's appointment booked, moved, cancelled or held: where its programme counts booked
    appointments as planned measures (`appointmentsCountAsPlanned`), its idle rule is computed again."""
    if appointment.pathway_id is None:
        return
    pathway = pathways.get_pathway(session, appointment.pathway_id)
    model = models_cache.model_for(pathway.process_version)
    if pathway.status != PathwayStatus.ACTIVE or not model.appointments_planned:
        return
    workflow = models_cache.runtime().load(model, pathway.state.state_json, pathway.state.serializer_version)
    projection.refresh_planned(session, pathway, workflow, model, clock.now())
    pathways.flush_or_conflict(session)


def _waiting_task(session: Session, pathway: Pathway, kind: str) -> WorkItem | None:
    """The pathway's oldest open task asking for an appointment of `kind`."""
    model = models_cache.model_for(pathway.process_version)
    elements = [e.element_id for e in model.elements.values() if e.appointment_kind == kind]
    if not elements:
        return None
    return session.scalar(
        select(WorkItem)
        .where(
            WorkItem.pathway_id == pathway.id,
            WorkItem.status == WorkItemStatus.OPEN,
            WorkItem.element_id.in_(elements),
        )
        .order_by(WorkItem.created_at, WorkItem.id)
        .limit(1)
    )


def _step(item: WorkItem | None) -> dict[str, object]:
    return {} if item is None else {"work_item": item.id, "element": item.element_id}
