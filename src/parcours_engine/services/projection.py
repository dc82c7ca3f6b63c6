"""Write a pathway's projection rows from its workflow, in the same transaction as its state.

Screens read only these rows: the pathway (status, position, idle since, next timer), its work items
and the elements it waits at. Nothing ever queries inside the saved engine state.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from SpiffWorkflow.bpmn import BpmnWorkflow
from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine.domain.roles import role_for_lane
from parcours_engine.engine.loader import ElementMeta, ProcessModel
from parcours_engine.engine.runtime import Runtime
from parcours_engine.persistence.models import Pathway, PathwayState, WaitingElement, WorkItem


def element_meta(model: ProcessModel, process_id: str, element_id: str) -> ElementMeta | None:
    """Metadata of an element; ids are unique per file, so disambiguate by process when needed."""
    meta = model.elements.get(element_id)
    if meta is None or meta.process_id == process_id:
        return meta
    return next(
        (m for m in model.elements.values() if m.element_id == element_id and m.process_id == process_id),
        meta,
    )


def save(
    session: Session,
    pathway: Pathway,
    workflow: BpmnWorkflow,
    model: ProcessModel,
    now: datetime,
    actor: str,
    completed_task_id: str | None = None,
) -> None:
    """Store the state and refresh every projection of `pathway` (flushed once, by the caller)."""
    with session.no_autoflush:
        _save(session, pathway, workflow, model, now, actor, completed_task_id)


def _save(
    session: Session,
    pathway: Pathway,
    workflow: BpmnWorkflow,
    model: ProcessModel,
    now: datetime,
    actor: str,
    completed_task_id: str | None,
) -> None:
    state, serializer_version = Runtime.dump(workflow)
    if pathway.state is None:
        pathway.state = PathwayState(state_json=state, serializer_version=serializer_version)
    else:
        pathway.state.state_json = state
        pathway.state.serializer_version = serializer_version
    _project_work_items(session, pathway, workflow, model, now, actor, completed_task_id)
    measure_running = _project_positions(session, pathway, workflow, model, now)
    finished = workflow.is_completed()
    pathway.next_timer_due = None if finished else Runtime.next_due(workflow)
    pathway.idle_since = None if finished or measure_running else (pathway.idle_since or now)
    if finished and pathway.status == "active":
        pathway.status = "completed"
        pathway.ended_at = now
        outcome = workflow.data.get("issue")
        pathway.outcome = str(outcome) if outcome is not None else None
    pathway.updated_at = now


def _project_work_items(
    session: Session,
    pathway: Pathway,
    workflow: BpmnWorkflow,
    model: ProcessModel,
    now: datetime,
    actor: str,
    completed_task_id: str | None,
) -> None:
    open_items = (
        {}
        if pathway.id is None
        else {
            item.task_uuid: item
            for item in session.scalars(
                select(WorkItem).where(WorkItem.pathway_id == pathway.id, WorkItem.status == "open")
            )
        }
    )
    ready = Runtime.ready_tasks(workflow)
    ready_ids = {task.task_id for task in ready}
    for task_uuid, item in open_items.items():
        if task_uuid in ready_ids:
            continue
        item.status = "completed" if task_uuid == completed_task_id else "cancelled"
        item.completed_at = now
        item.completed_by = actor if task_uuid == completed_task_id else None
    for task in ready:
        if task.task_id in open_items:
            continue
        meta = element_meta(model, task.process_id, task.element_id)
        role = role_for_lane(task.lane)
        lane = role.code if role else None
        due = now + timedelta(days=meta.due_in_days) if meta and meta.due_in_days is not None else None
        session.add(
            WorkItem(
                pathway=pathway,
                task_uuid=task.task_id,
                element_id=task.element_id,
                process_id=task.process_id,
                name=task.name,
                lane=lane,
                form=meta.form if meta else None,
                # The referent's lane goes straight to the pathway's referent; other lanes are team queues.
                assignee_id=pathway.referent_id if lane == "referent" else None,
                status="open",
                due_at=due,
                created_at=now,
            )
        )


def _project_positions(
    session: Session, pathway: Pathway, workflow: BpmnWorkflow, model: ProcessModel, now: datetime
) -> bool:
    """Refresh where the pathway waits; True when a measure is running."""
    existing = (
        {}
        if pathway.id is None
        else {
            row.element_id: row
            for row in session.scalars(select(WaitingElement).where(WaitingElement.pathway_id == pathway.id))
        }
    )
    current: dict[str, bool] = {}
    for position in Runtime.positions(workflow):
        meta = element_meta(model, position.process_id, position.element_id)
        is_measure = bool(meta and meta.measure)
        current[position.element_id] = current.get(position.element_id, False) or is_measure
        if position.element_id not in existing:
            row = WaitingElement(
                pathway=pathway,
                process_version_id=pathway.process_version.id,
                element_id=position.element_id,
                kind=position.kind,
                measure=is_measure,
                since=now,
            )
            session.add(row)
            existing[position.element_id] = row
    for element_id, row in list(existing.items()):
        if element_id not in current:
            session.delete(row)
    pathway.current_elements = ",".join(sorted(current))[:4000]
    return any(current.values())
