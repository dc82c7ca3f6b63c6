"""Pathways: complete their tasks, fire their timers, change their referent, exit by hand.

Starting one is in pathways.starting, the events a transition leaves in pathways.journal (both
re-exported here).

Every transition loads the workflow from the pathway's saved state, advances it, and saves state and
projections together. If the engine fails half-way, nothing is written: `TransitionFailed` carries an
incident that the unit of work records after rolling back (persistence.uow.unit_of_work).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any, cast

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import PathwayStatus, SystemActor, WorkItemStatus
from parcours_engine.domain.errors import ConflictError, FieldError, InvalidInput, NotFound, TransitionFailed
from parcours_engine.domain.outcomes import BY_CODE as OUTCOMES
from parcours_engine.domain.permissions import Action
from parcours_engine.engine import live
from parcours_engine.engine.loader import ProcessModel
from parcours_engine.engine.runtime import EngineFailure, Runtime, TaskNotReady, Workflow
from parcours_engine.engine.timers import PARIS
from parcours_engine.passport import tasks as passport_tasks
from parcours_engine.pathways import forms, models_cache, projection, referents
from parcours_engine.pathways.journal import (  # re-exported: callers know them from here
    Entry,
    conflicts_reported,
    finished_entries,
    flush_or_conflict,
    log,
    log_all,
    log_event,
)
from parcours_engine.pathways.starting import (  # re-exported: callers know them from here
    beneficiary_data,
    route,
    start_for,
    start_pathway,
    start_refusal,
)
from parcours_engine.persistence.models import Account, Pathway, WorkItem

__all__ = [
    "AlreadyDone",
    "beneficiary_data",
    "complete_work_item",
    "end_pathway",
    "exit_pathway",
    "fire_timers",
    "flush_or_conflict",
    "get_pathway",
    "log_event",
    "require_open",
    "set_referent",
    "start_for",
    "start_pathway",
    "start_refusal",
]


_PATHWAY = select(Pathway).where(Pathway.id == bindparam("pathway_id")).options(joinedload(Pathway.state))
_PATHWAY_FOR_UPDATE = _PATHWAY.with_for_update(of=Pathway).execution_options(populate_existing=True)


def get_pathway(session: Session, pathway_id: int, for_update: bool = False) -> Pathway:
    # The state is needed by every transition: load it in the same round trip.
    query = _PATHWAY_FOR_UPDATE if for_update else _PATHWAY
    pathway = session.scalar(query, {"pathway_id": pathway_id})
    if pathway is None:
        raise NotFound("pathway.not_found", id=pathway_id)
    return pathway


# Built once: a constant statement skips building its options and cache key at every completion.
_ITEM_WITH_PATHWAY = (
    select(WorkItem)
    .where(WorkItem.id == bindparam("work_item_id"))
    .options(joinedload(WorkItem.pathway).joinedload(Pathway.state))
)


def complete_work_item(
    session: Session,
    clock: Clock,
    work_item_id: int,
    data: Mapping[str, Any],
    actor: str,
    expected_version: int | None = None,
    retry_of: int | None = None,
    by_appointment: bool = False,
) -> Pathway:
    """Complete a task with its form's data (validated against the form's JSON Schema).

    A task that asks for an appointment (`appointmentKind`) is completed only by its appointment's
    attendance (`by_appointment`, pathways.appointment_tasks): then `data` is the host's, not a form's.
    """
    # The task, its pathway and the pathway's state in one round trip.
    item = session.scalar(_ITEM_WITH_PATHWAY, {"work_item_id": work_item_id})
    if item is None:
        raise NotFound("task.not_found", id=work_item_id)
    require_open(session, item)
    pathway = item.pathway
    if expected_version is not None and pathway.version != expected_version:
        raise ConflictError("pathway.changed_meanwhile")
    model = models_cache.model_for(pathway.process_version)
    meta = model.elements.get(item.element_id)
    if (meta is not None and meta.appointment_kind is not None) != by_appointment:
        raise ConflictError("task.by_appointment" if not by_appointment else "task.closed")
    try:
        clean = (
            dict(data)
            if by_appointment
            else forms.validate(model, item.form, data, clock.now().astimezone(PARIS).date())
        )
    except forms.FormUnusable as broken:
        # The model's form cannot be used (an unresolvable $ref...): the model must be fixed.
        operation_data = {"work_item_id": item.id}
        incident = _incident(pathway, clock, item.element_id, "complete_task", operation_data, str(broken))
        raise TransitionFailed(str(broken), incident={**incident, "retry_of": retry_of}) from broken
    operation = {"work_item_id": item.id, "data": clean, "by_appointment": by_appointment}

    def run(workflow: Workflow) -> None:
        try:
            models_cache.runtime().complete(workflow, item.task_uuid, clean, clock)
        except TaskNotReady as exc:  # the engine moved on without it (a timer, another branch)
            raise AlreadyDone(item, None) from exc

    _transition(
        session, clock, pathway, model, actor, "complete_task", operation, run, item.task_uuid, retry_of
    )
    passport_tasks.on_task_completed(session, clock, pathway, item, clean, actor)  # passport forms feed it
    completed: list[Entry] = [("task_completed", item.element_id, {"work_item": item.id})]
    log_all(session, pathway, clock, actor, completed + finished_entries(pathway, clock))
    flush_or_conflict(session, pathway)  # the pathway's version-checked UPDATE, then the ORM's rest
    return pathway


def fire_timers(session: Session, clock: Clock, pathway_id: int, retry_of: int | None = None) -> int:
    """Fire the due timers of one pathway; how many fired."""
    pathway = get_pathway(session, pathway_id)
    if pathway.status != PathwayStatus.ACTIVE:
        return 0
    fired = 0

    def run(workflow: Workflow) -> None:
        nonlocal fired
        fired = models_cache.runtime().fire_timers(workflow, clock)

    model = models_cache.model_for(pathway.process_version)
    _transition(session, clock, pathway, model, "scheduler", "fire_timers", {}, run, None, retry_of)
    if fired:
        entries: list[Entry] = [("timer_fired", None, {"count": fired})]
        log_all(session, pathway, clock, "scheduler", entries + finished_entries(pathway, clock))
    flush_or_conflict(session, pathway)
    return fired


class AlreadyDone(ConflictError):
    """Someone else completed (or the engine cancelled) the task first: the one "still open?" answer.

    `by` is the display name of the person who completed it; None when nobody did (the pathway moved
    on without it) or when the system did (`automatic`: domain.enums.SystemActor, a retry from the
    command line), which pages call "Automatique", never by a technical name.
    """

    def __init__(self, item: WorkItem, by: str | None, automatic: bool = False) -> None:
        if automatic:
            super().__init__("task.done_automatically")
        elif by is None:
            super().__init__("task.closed")
        else:
            super().__init__("task.already_done", by=by)
        self.item, self.by, self.automatic = item, by, automatic


def require_open(session: Session, item: WorkItem) -> None:
    """The one check that a task is still to do (AlreadyDone names who did it)."""
    if item.status == WorkItemStatus.OPEN:
        return
    by = item.completed_by
    if by is None or by in SYSTEM_ACTORS:
        raise AlreadyDone(item, None, automatic=by is not None)
    name = session.scalar(select(Account.display_name).where(Account.username == by))
    raise AlreadyDone(item, name or by)


SYSTEM_ACTORS = frozenset(SystemActor)


def set_referent(
    session: Session,
    clock: Clock,
    actor: Account,
    pathway_id: int,
    referent_id: int,
    route: str,
    kind: str = "permanent",
    ends_on: date | None = None,
) -> Pathway:
    """`actor` makes `referent_id` the pathway's one active referent; their open referent tasks follow.

    Checked here (TRANSFER_REFERENT; the target: pathways.referents) and logged once. The one path for
    every change of referent by hand (pathways.referents.transfer): history, notifications.
    """
    access.pathway_for(session, clock, actor, pathway_id, Action.TRANSFER_REFERENT, route)
    pathway = get_pathway(session, pathway_id)
    referents.transfer(session, clock, pathway, referent_id, actor.username, kind, ends_on)
    flush_or_conflict(session, pathway)
    return pathway


def exit_pathway(
    session: Session, clock: Clock, actor: Account, pathway_id: int, outcome: str, route: str
) -> Pathway:
    """`actor` ends an active pathway by hand with an outcome (EXIT_PATHWAY, logged once)."""
    access.pathway_for(session, clock, actor, pathway_id, Action.EXIT_PATHWAY, route)
    return end_pathway(session, clock, pathway_id, outcome, actor.username)


def end_pathway(session: Session, clock: Clock, pathway_id: int, outcome: str, actor: str) -> Pathway:
    """End an active pathway with an outcome of the closed list; its workflow is cancelled.

    The system's door (data loads, jobs): no account, no check. People go through `exit_pathway`.
    """
    if outcome not in OUTCOMES:
        raise InvalidInput("error.invalid_input", {"outcome": [FieldError("field.choice")]})
    pathway = get_pathway(session, pathway_id)
    if pathway.status != PathwayStatus.ACTIVE:
        raise ConflictError("pathway.already_ended", status=pathway.status)
    model = models_cache.model_for(pathway.process_version)
    workflow = models_cache.runtime().load(model, pathway.state.state_json, pathway.state.serializer_version)
    Runtime.cancel(workflow)
    now = clock.now()
    with conflicts_reported():
        projection.save(session, pathway, workflow, model, now, actor)
        # An exit is an end with an outcome (indicators count it), whatever the model had left to do.
        pathway.status, pathway.outcome, pathway.ended_at = PathwayStatus.COMPLETED, outcome, now
        pathway.idle_since = pathway.next_timer_due = None
        session.flush()
    log(session, pathway, clock, actor, "exited", None, {"outcome": outcome})
    return pathway


def _transition(
    session: Session,
    clock: Clock,
    pathway: Pathway,
    model: ProcessModel,
    actor: str,
    operation: str,
    operation_data: dict[str, Any],
    run: Callable[[Workflow], None],
    completed_task_id: str | None,
    retry_of: int | None,
) -> None:
    saved = pathway.state
    # The workflow this process saved last for the pathway, if the database still holds that state
    # (engine.live); else loaded from the state.
    taken = live.WORKFLOWS.take(pathway.id, model, saved.state_json, saved.serializer_version)
    if taken is None:
        workflow = models_cache.runtime().load(model, saved.state_json, saved.serializer_version)
        was = projection.before(workflow)
    else:  # with what its save wrote: the projection as it is
        workflow, kept = taken
        was = cast(projection.Before, kept)
    try:
        run(workflow)
        with conflicts_reported():
            shown = projection.save(
                session, pathway, workflow, model, clock.now(), actor, completed_task_id, was
            )
        # `saved` now holds the state just written: the workflow is kept as that state.
        live.WORKFLOWS.keep(pathway.id, model, saved.state_json, saved.serializer_version, workflow, shown)
    except EngineFailure as failure:
        incident = _incident(pathway, clock, failure.element_id, operation, operation_data, str(failure))
        raise TransitionFailed(str(failure), incident={**incident, "retry_of": retry_of}) from failure
    except MODEL_DATA_FAILURES as exc:
        # What a model's data can do to the save (a 5,000-deep list, an 8,000-digit int, a huge
        # string): the pathway stays as it was and the incident says why, never a 500.
        message = f"{type(exc).__name__}: {str(exc)[:300]}"
        incident = _incident(pathway, clock, None, operation, operation_data, message)
        raise TransitionFailed(message, incident={**incident, "retry_of": retry_of}) from exc
    # Not flushed here: the caller flushes once, after its events (a query below may autoflush, so a
    # lost race is reported as a conflict on this pathway here too).
    with conflicts_reported():
        route(session, clock, pathway, workflow, actor)
        _start_follow_on(session, clock, pathway, workflow, actor)


# Failures that come from a model's data rather than from our code (see `_transition`).
MODEL_DATA_FAILURES = (RecursionError, MemoryError, ValueError, OverflowError, TypeError)


def _incident(
    pathway: Pathway,
    clock: Clock,
    element_id: str | None,
    operation: str,
    operation_data: dict[str, Any],
    message: str,
) -> dict[str, Any]:
    return {
        "pathway_id": pathway.id,
        "at": clock.now(),
        "element_id": element_id,
        "operation": operation,
        "operation_data": operation_data,
        "message": message,
    }


def _start_follow_on(
    session: Session, clock: Clock, pathway: Pathway, workflow: Workflow, actor: str
) -> None:
    """A pathway that ends in `reorientation` naming `programme_suivant` (RAPID) starts that programme.

    Same person, same referent and structure, in the same transaction: the person never waits between
    the two programmes.
    """
    if (
        pathway.status != PathwayStatus.COMPLETED
        or pathway.outcome != "reorientation"
        or pathway.ended_at != clock.now()
    ):
        return
    following = Runtime.data_value(workflow, "programme_suivant")
    if not isinstance(following, str) or not following:
        return
    successor = start_pathway(
        session,
        clock,
        following,
        pathway.beneficiary_id,
        actor,
        referent_id=pathway.referent_id,
        structure_id=pathway.structure_id,
    )
    log(
        session,
        pathway,
        clock,
        actor,
        "reoriented",
        None,
        {"to_pathway": successor.id, "programme": following},
    )
