"""Write a pathway's projection rows from its workflow, in the same transaction as its state.

Screens read only these rows: the pathway (status, position, idle since, next timer), its work items
and the elements it waits at. Nothing ever queries inside the saved engine state.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Table, bindparam, delete, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from parcours_engine.domain.enums import Lane, PathwayStatus, WorkItemStatus
from parcours_engine.domain.roles import role_for_lane
from parcours_engine.engine.loader import ProcessModel
from parcours_engine.engine.runtime import ReadyTask, Runtime, Workflow
from parcours_engine.pathways import idleness
from parcours_engine.pathways.idleness import (  # re-exported: their callers know them from here
    appointment_planned_until,
    planned_until,
    refresh_planned,
    stall_conditions,
)
from parcours_engine.persistence.models import Pathway, PathwayState, WaitingElement, WorkItem

__all__ = [
    "Before",
    "appointment_planned_until",
    "before",
    "planned_until",
    "refresh_planned",
    "save",
    "save_new",
    "stall_conditions",
]

_WORK_ITEMS = cast(Table, WorkItem.__table__)  # written with Core statements: see _save_changes
_WAITING = cast(Table, WaitingElement.__table__)
_STATE = cast(Table, PathwayState.__table__)
_UPDATE_STATE = update(_STATE).where(_STATE.c.pathway_id == bindparam("b_pathway_id"))


@dataclass(frozen=True)
class Before:
    """What the projection showed before a transition, read from the loaded workflow (no query):
    the ready tasks by id (the open work items) and the elements waited at (the waiting elements)."""

    ready: Mapping[str, ReadyTask]
    positions: frozenset[str]


def before(workflow: Workflow) -> Before:
    """The projection of a freshly loaded workflow, for `save` to write only what changed."""
    ready = {task.task_id: task for task in Runtime.ready_tasks(workflow)}
    return Before(ready, frozenset(position.element_id for position in Runtime.positions(workflow)))


def save(
    session: Session,
    pathway: Pathway,
    workflow: Workflow,
    model: ProcessModel,
    now: datetime,
    actor: str,
    completed_task_id: str | None = None,
    was: Before | None = None,
) -> Before:
    """Store the state and refresh every projection of `pathway` (flushed once, by the caller); what
    the projection shows now (the `was` of the next transition on this workflow).

    Given what the projection was (`was`, from the workflow as loaded), only the rows that changed are
    written, each kind in one statement, without reading them first (issue 16). A stalled pathway
    still reads its rows: clearing a stall looks at them.
    """
    if was is not None and pathway.id is not None and pathway.stalled_since is None:
        return _save_changes(session, pathway, workflow, model, now, actor, completed_task_id, was)
    with session.no_autoflush:  # one flush at the end instead of one per query in between
        state, serializer_version = Runtime.dump(workflow)
        if pathway.state is None:
            pathway.state = PathwayState(state_json=state, serializer_version=serializer_version)
        else:
            pathway.state.state_json = state
            pathway.state.serializer_version = serializer_version
        open_items = _project_work_items(session, pathway, workflow, model, now, actor, completed_task_id)
        measure_running, waits = _project_positions(session, pathway, workflow, model, now)
        finished = Runtime.is_finished(workflow)
        pathway.next_timer_due = None if finished else Runtime.next_due(workflow)
        idleness.project_idle(session, pathway, workflow, model, now, finished or measure_running, finished)
        idleness.clear_resolved_stall(pathway, open_items, waits, now, finished)
        _close_if_finished(pathway, workflow, now, finished)
    return before(workflow)


def _close_if_finished(pathway: Pathway, workflow: Workflow, now: datetime, finished: bool) -> None:
    """An active pathway whose workflow reached its end is completed with the model's `issue`."""
    if finished and pathway.status == PathwayStatus.ACTIVE:
        pathway.status = PathwayStatus.COMPLETED
        pathway.ended_at = now
        outcome = Runtime.data_value(workflow, "issue")
        pathway.outcome = str(outcome) if outcome is not None else None
    pathway.updated_at = now


def save_new(
    session: Session, pathway: Pathway, workflow: Workflow, model: ProcessModel, now: datetime, actor: str
) -> Before:
    """Add a new pathway with its state and projection, flushed: the pathway row is complete when the
    ORM inserts it (with its state), then its work items and waiting elements go in one INSERT each."""
    state, serializer_version = Runtime.dump(workflow)
    pathway.state = PathwayState(state_json=state, serializer_version=serializer_version)
    current, kinds = _positions(workflow, model)
    pathway.current_elements = ",".join(sorted(current))[:4000]
    finished = Runtime.is_finished(workflow)
    pathway.next_timer_due = None if finished else Runtime.next_due(workflow)
    idleness.project_idle(session, pathway, workflow, model, now, finished or any(current.values()), finished)
    _close_if_finished(pathway, workflow, now, finished)
    session.add(pathway)
    session.flush()
    connection = session.connection()
    waiting = _waiting_rows(pathway, model, current, kinds, sorted(current), now)
    if waiting:
        connection.execute(_INSERT_WAITING, waiting)
    ready = Runtime.ready_tasks(workflow)
    items = [
        _work_item_row(pathway, task, model, now) | {"status": WorkItemStatus.OPEN.value} for task in ready
    ]
    if items:
        connection.execute(_INSERT_WORK_ITEMS, items)
    return Before({task.task_id: task for task in ready}, frozenset(current))


_INSERT_WORK_ITEMS = insert(_WORK_ITEMS)


def _save_changes(
    session: Session,
    pathway: Pathway,
    workflow: Workflow,
    model: ProcessModel,
    now: datetime,
    actor: str,
    completed_task_id: str | None,
    was: Before,
) -> Before:
    """`save` for an existing, unstalled pathway: write the state and the rows that changed."""
    state, serializer_version = Runtime.dump(workflow)
    # The state row through the connection, like the projection rows: no unit-of-work bookkeeping
    # for the largest value written; the loaded object is kept true.
    session.connection().execute(
        _UPDATE_STATE,
        {"b_pathway_id": pathway.id, "state_json": state, "serializer_version": serializer_version},
    )
    set_committed_value(pathway.state, "state_json", state)
    set_committed_value(pathway.state, "serializer_version", serializer_version)
    ready = _write_work_items(session, pathway, workflow, model, now, actor, completed_task_id, was)
    measure_running, current = _write_positions(session, pathway, workflow, model, now, was)
    finished = Runtime.is_finished(workflow)
    pathway.next_timer_due = None if finished else Runtime.next_due(workflow)
    idleness.project_idle(session, pathway, workflow, model, now, finished or measure_running, finished)
    _close_if_finished(pathway, workflow, now, finished)
    return Before({task.task_id: task for task in ready}, current)


def _write_work_items(
    session: Session,
    pathway: Pathway,
    workflow: Workflow,
    model: ProcessModel,
    now: datetime,
    actor: str,
    completed_task_id: str | None,
    was: Before,
) -> list[ReadyTask]:
    """Close the work items whose task is no longer ready and open the new ones, in one statement;
    the tasks ready now.

    An upsert on (pathway, task): a new task's row is inserted; a closed task's row exists, so only
    its status and completion change, and only while it is open (a row someone else closed first
    stays as they left it: the pathway's version check then refuses this transition).
    """
    ready = Runtime.ready_tasks(workflow)
    closed = was.ready.keys() - {task.task_id for task in ready}
    rows = [
        _work_item_row(pathway, task, model, now)
        | {"status": WorkItemStatus.OPEN.value, "completed_at": None, "completed_by": None}
        for task in ready
        if task.task_id not in was.ready
    ]
    for task_uuid in sorted(closed):
        finished_by = task_uuid == completed_task_id
        status = WorkItemStatus.COMPLETED if finished_by else WorkItemStatus.CANCELLED
        row = _work_item_row(pathway, was.ready[task_uuid], model, now)
        rows.append(
            row
            | {"status": status.value, "completed_at": now, "completed_by": actor if finished_by else None}
        )
    if not rows:
        return ready
    session.connection().execute(_upsert(session), rows)
    for item in _loaded_items(session, pathway.id, frozenset(closed)):  # keep loaded objects true
        finished_by = item.task_uuid == completed_task_id
        set_committed_value(
            item, "status", WorkItemStatus.COMPLETED if finished_by else WorkItemStatus.CANCELLED
        )
        set_committed_value(item, "completed_at", now)
        set_committed_value(item, "completed_by", actor if finished_by else None)
    return ready


def _upsert(session: Session) -> Any:
    """The work items' upsert for this database, built once (a constant statement is compiled once)."""
    dialect = session.get_bind().dialect.name
    if dialect not in _UPSERTS:
        statement = (pg_insert if dialect == "postgresql" else sqlite_insert)(_WORK_ITEMS)
        _UPSERTS[dialect] = statement.on_conflict_do_update(
            index_elements=[_WORK_ITEMS.c.pathway_id, _WORK_ITEMS.c.task_uuid],
            set_={name: statement.excluded[name] for name in ("status", "completed_at", "completed_by")},
            where=_WORK_ITEMS.c.status == WorkItemStatus.OPEN.value,
        )
    return _UPSERTS[dialect]


_UPSERTS: dict[str, Any] = {}


def _loaded_items(session: Session, pathway_id: int, task_uuids: frozenset[str]) -> list[WorkItem]:
    return [
        item
        for item in session.identity_map.values()
        if isinstance(item, WorkItem) and item.pathway_id == pathway_id and item.task_uuid in task_uuids
    ]


def _work_item_row(pathway: Pathway, task: Any, model: ProcessModel, now: datetime) -> dict[str, Any]:
    meta = model.elements.get(task.element_id)
    role = role_for_lane(meta.lane if meta and meta.lane else task.lane)  # see _project_work_items
    lane = role.code if role else None
    return {
        "pathway_id": pathway.id,
        "task_uuid": task.task_id,
        "element_id": task.element_id,
        "process_id": task.process_id,
        "name": task.name,
        "lane": lane,
        "form": meta.form if meta else None,
        "assignee_id": pathway.referent_id if lane == Lane.REFERENT else None,
        "due_at": now + timedelta(days=meta.due_in_days) if meta and meta.due_in_days is not None else None,
        "created_at": now,
    }


def _write_positions(
    session: Session, pathway: Pathway, workflow: Workflow, model: ProcessModel, now: datetime, was: Before
) -> tuple[bool, frozenset[str]]:
    """Delete the waiting elements left (one DELETE), add the new ones (one INSERT); (a measure runs,
    the elements waited at now)."""
    current, kinds = _positions(workflow, model)
    gone = sorted(was.positions - current.keys())
    rows = _waiting_rows(pathway, model, current, kinds, sorted(current.keys() - was.positions), now)
    # A token moving on turns a row into another (one UPDATE, executemany) rather than DELETE + INSERT:
    # nothing refers to a waiting element's id. Constant statements through the connection: compiled
    # once, and no autoflush (nothing pending is about these rows).
    moves = [
        {"b_old": old, "b_pathway_id": pathway.id, **{f"b_{name}": row[name] for name in _MOVED}}
        for old, row in zip(gone, rows, strict=False)
    ]
    connection = session.connection()
    if moves:
        connection.execute(_MOVE_WAITING, moves)
    if len(gone) > len(moves):
        connection.execute(_DELETE_WAITING, {"b_pathway_id": pathway.id, "b_gone": gone[len(moves) :]})
    if len(rows) > len(moves):
        connection.execute(_INSERT_WAITING, rows[len(moves) :])
    pathway.current_elements = ",".join(sorted(current))[:4000]
    return any(current.values()), frozenset(current)


def _positions(workflow: Workflow, model: ProcessModel) -> tuple[dict[str, bool], dict[str, str]]:
    """Where the workflow waits: {element: a measure runs there}, {element: its kind}."""
    current: dict[str, bool] = {}
    kinds: dict[str, str] = {}
    for position in Runtime.positions(workflow):
        meta = model.elements.get(position.element_id)
        current[position.element_id] = current.get(position.element_id, False) or bool(meta and meta.measure)
        kinds.setdefault(position.element_id, position.kind)
    return current, kinds


def _waiting_rows(
    pathway: Pathway,
    model: ProcessModel,
    current: dict[str, bool],
    kinds: dict[str, str],
    element_ids: list[str],
    now: datetime,
) -> list[dict[str, Any]]:
    rows = []
    for element_id in element_ids:
        meta = model.elements.get(element_id)
        rows.append(
            {
                "pathway_id": pathway.id,
                "process_version_id": pathway.process_version_id,
                "structure_id": pathway.structure_id,
                "element_id": element_id,
                "kind": kinds[element_id],
                "measure": current[element_id],
                "since": now,
                "stall_at": now + timedelta(days=meta.max_wait_days) if meta and meta.max_wait_days else None,
            }
        )
    return rows


_MOVED = ("element_id", "kind", "measure", "since", "stall_at")
_MOVE_WAITING = (
    update(_WAITING)
    .where(_WAITING.c.pathway_id == bindparam("b_pathway_id"), _WAITING.c.element_id == bindparam("b_old"))
    .values({name: bindparam(f"b_{name}") for name in _MOVED})
)
_DELETE_WAITING = delete(_WAITING).where(
    _WAITING.c.pathway_id == bindparam("b_pathway_id"),
    _WAITING.c.element_id.in_(bindparam("b_gone", expanding=True)),
)
_INSERT_WAITING = insert(_WAITING)


def _project_work_items(
    session: Session,
    pathway: Pathway,
    workflow: Workflow,
    model: ProcessModel,
    now: datetime,
    actor: str,
    completed_task_id: str | None,
) -> list[WorkItem]:
    """Open, complete or cancel work items; the ones still open afterwards."""
    open_items = (
        {}
        if pathway.id is None
        else {
            item.task_uuid: item
            for item in session.scalars(
                select(WorkItem).where(
                    WorkItem.pathway_id == pathway.id, WorkItem.status == WorkItemStatus.OPEN
                )
            )
        }
    )
    ready = Runtime.ready_tasks(workflow)
    ready_ids = {task.task_id for task in ready}
    still_open = []
    for task_uuid, item in open_items.items():
        if task_uuid in ready_ids:
            still_open.append(item)
            continue
        item.status = WorkItemStatus.COMPLETED if task_uuid == completed_task_id else WorkItemStatus.CANCELLED
        item.completed_at = now
        item.completed_by = actor if task_uuid == completed_task_id else None
    for task in ready:
        if task.task_id in open_items:
            continue
        meta = model.elements.get(task.element_id)
        # The loader's lane, not SpiffWorkflow's: SpiffWorkflow gives a task inside an embedded
        # sub-process the lane of the sub-process, whatever lane the model draws the task in.
        role = role_for_lane(meta.lane if meta and meta.lane else task.lane)
        lane = role.code if role else None
        due = now + timedelta(days=meta.due_in_days) if meta and meta.due_in_days is not None else None
        item = WorkItem(
            pathway=pathway,
            task_uuid=task.task_id,
            element_id=task.element_id,
            process_id=task.process_id,
            name=task.name,
            lane=lane,
            form=meta.form if meta else None,
            # The referent's lane goes straight to the pathway's referent; other lanes are team queues.
            assignee_id=pathway.referent_id if lane == Lane.REFERENT else None,
            status=WorkItemStatus.OPEN,
            due_at=due,
            created_at=now,
        )
        session.add(item)
        still_open.append(item)
    return still_open


def _project_positions(
    session: Session, pathway: Pathway, workflow: Workflow, model: ProcessModel, now: datetime
) -> tuple[bool, list[WaitingElement]]:
    """Refresh where the pathway waits; (a measure is running, the rows it waits at now)."""
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
        meta = model.elements.get(position.element_id)  # ids are unique per programme
        is_measure = bool(meta and meta.measure)
        current[position.element_id] = current.get(position.element_id, False) or is_measure
        if position.element_id not in existing:
            row = WaitingElement(
                pathway=pathway,
                process_version_id=pathway.process_version.id,
                structure_id=pathway.structure_id,
                element_id=position.element_id,
                kind=position.kind,
                measure=is_measure,
                since=now,
                stall_at=now + timedelta(days=meta.max_wait_days) if meta and meta.max_wait_days else None,
            )
            session.add(row)
            existing[position.element_id] = row
    for element_id, row in list(existing.items()):
        if element_id not in current:
            session.delete(row)
    pathway.current_elements = ",".join(sorted(current))[:4000]
    return any(current.values()), [row for element_id, row in existing.items() if element_id in current]
