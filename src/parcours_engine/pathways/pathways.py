"""Pathways: start one, complete its tasks, fire its timers, change its referent, exit by hand.

Every transition loads the workflow from the pathway's saved state, advances it, and saves state and
projections together. If the engine fails half-way, nothing is written: `TransitionFailed` carries an
incident that the unit of work records after rolling back (persistence.uow.unit_of_work).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, joinedload

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import PathwayStatus, SystemActor, WorkItemStatus
from parcours_engine.domain.errors import (
    ConflictError,
    FieldError,
    Forbidden,
    InvalidInput,
    NotFound,
    TransitionFailed,
)
from parcours_engine.domain.outcomes import BY_CODE as OUTCOMES
from parcours_engine.domain.permissions import Action, Profile, Scope, may_be_referent, may_start_for
from parcours_engine.engine.loader import ProcessModel
from parcours_engine.engine.runtime import EngineFailure, Runtime, TaskNotReady, Workflow
from parcours_engine.engine.timers import PARIS
from parcours_engine.passport import tasks as passport_tasks
from parcours_engine.pathways import forms, models_cache, projection, referents
from parcours_engine.persistence.models import Account, Beneficiary, Pathway, PathwayEvent, WorkItem
from parcours_engine.persistence.uow import lost_race_as_conflict
from parcours_engine.studio import versions


def beneficiary_data(person: Beneficiary, programme: str) -> dict[str, Any]:
    """What a model may read at start (processes/README.md lists it): closed fields only."""
    return {
        "date_naissance": person.birth_date.isoformat(),
        "sexe": person.sex,
        "niveau_qualification": person.qualification_level,
        "quartier_prioritaire": person.priority_district,
        "departement": person.departement,
        "territoire": person.territory,
        "ase": person.ase,
        "mna": person.mna,
        "programme_code": programme,
    }


def start_pathway(
    session: Session,
    clock: Clock,
    programme: str,
    beneficiary_id: int,
    actor: str,
    referent_id: int | None = None,
    structure_id: int | None = None,
) -> Pathway:
    """Start `programme` for a beneficiary on the newest published version.

    The pathway belongs to `structure_id`, else to the structure of the starting account (`actor`).
    """
    person = session.get(Beneficiary, beneficiary_id)
    if person is None:
        raise NotFound("person.not_found", id=beneficiary_id)
    if referent_id is not None and session.get(Account, referent_id) is None:
        raise NotFound("account.not_found", id=referent_id)
    if structure_id is None:
        structure_id = session.scalar(select(Account.structure_id).where(Account.username == actor))
    version = versions.latest(session, programme)
    model = models_cache.model_for(version)
    now = clock.now()
    pathway = Pathway(
        programme=programme,
        process_version=version,
        beneficiary_id=person.id,
        referent_id=None,
        structure_id=structure_id,
        entry_sex=person.sex,
        entry_qualification_level=person.qualification_level,
        entry_priority_district=person.priority_district,
        status=PathwayStatus.ACTIVE,
        started_at=now,
        updated_at=now,
    )
    try:
        workflow = models_cache.runtime().start(model, beneficiary_data(person, programme), clock)
    except EngineFailure as failure:
        # No pathway row exists yet to hang an incident on: refuse the start with the reason.
        raise TransitionFailed(f"{programme}: {failure.element_id or 'start'}: {failure}") from failure
    session.add(pathway)
    projection.save(session, pathway, workflow, model, now, actor)
    session.flush()
    _log(session, pathway, clock, actor, "started", None, {"version": version.version})
    if referent_id is not None and pathway.status == PathwayStatus.ACTIVE:
        referents.transfer(session, clock, pathway, referent_id, actor)
    _route(session, clock, pathway, workflow, actor)
    _log_if_finished(session, pathway, clock, actor)
    return pathway


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
    _log(session, pathway, clock, actor, "task_completed", item.element_id, {"work_item": item.id})
    _log_if_finished(session, pathway, clock, actor)
    flush_or_conflict(session)  # the pathway's version-checked UPDATE and the events: one flush
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
        _log(session, pathway, clock, "scheduler", "timer_fired", None, {"count": fired})
        _log_if_finished(session, pathway, clock, "scheduler")
    flush_or_conflict(session)
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


def start_for(
    session: Session,
    clock: Clock,
    actor: Account,
    programme: str,
    beneficiary_id: int,
    route: str,
    referent_id: int | None = None,
) -> Pathway:
    """`actor` starts `programme` for a person (domain.permissions: START_PATHWAY, `may_start_for`;
    a named referent is one `may_be_referent` accepts); logged once."""
    access.require(actor, Action.START_PATHWAY)
    person = session.get(Beneficiary, beneficiary_id)
    if person is None:
        raise NotFound("person.not_found", id=beneficiary_id)
    refusal = start_refusal(session, actor, person)
    if refusal is not None:
        raise Forbidden(refusal)
    structure_id = person.structure_id or actor.structure_id
    if programme not in versions.catalogue(session):
        raise InvalidInput("error.invalid_input", {"programme": [FieldError("field.choice")]})
    if referent_id is not None:
        target = session.get(Account, referent_id)
        if target is None or not may_be_referent(
            target.role, target.team, target.active, target.structure_id, structure_id
        ):
            raise InvalidInput("referent.cannot_change", {"referent": [FieldError("referent.not_eligible")]})
    started = start_pathway(
        session, clock, programme, person.id, actor.username, referent_id, structure_id=structure_id
    )
    access.log(session, clock, actor, person.id, started.id, Action.START_PATHWAY, route)
    return started


def start_refusal(session: Session, actor: Account, person: Beneficiary) -> str | None:
    """Why `actor` may not start a pathway for `person` (a catalogue code), or None when it may: what
    `start_for` refuses, and what the person's page does not offer."""
    scopes = access.scopes_of(actor, Action.START_PATHWAY)
    if not scopes:
        return "access.not_for_your_role"
    structure_id = person.structure_id or actor.structure_id
    if Scope.ALL not in scopes and (actor.structure_id is None or structure_id != actor.structure_id):
        return "start.other_structure"
    held = session.execute(
        select(Pathway.status, Pathway.referent_id).where(Pathway.beneficiary_id == person.id)
    ).all()
    who = access.profile_of(actor)
    active = [referent for status, referent in held if status == PathwayStatus.ACTIVE]
    if not may_start_for(who, actor.id, bool(held), active):
        return (
            "start.reception_first_only" if held and who is Profile.RECEPTION else "start.followed_elsewhere"
        )
    return None


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
    flush_or_conflict(session)
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
    with _conflicts_reported():
        projection.save(session, pathway, workflow, model, now, actor)
        # An exit is an end with an outcome (indicators count it), whatever the model had left to do.
        pathway.status, pathway.outcome, pathway.ended_at = PathwayStatus.COMPLETED, outcome, now
        pathway.idle_since = pathway.next_timer_due = None
        session.flush()
    _log(session, pathway, clock, actor, "exited", None, {"outcome": outcome})
    return pathway


def _route(session: Session, clock: Clock, pathway: Pathway, workflow: Workflow, actor: str) -> None:
    """Give the pathway the referent its model's routing names (IEJ sets `csp_affecte`), if none yet."""
    if pathway.referent_id is not None or pathway.status != PathwayStatus.ACTIVE:
        return
    code = Runtime.data_value(workflow, referents.ROUTING_FIELD)
    if code is None:
        code = next(iter(Runtime.waiting_values(workflow, referents.ROUTING_FIELD)), None)
    if referents.route(session, clock, pathway, code, actor):
        flush_or_conflict(session)


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
    rt = models_cache.runtime()
    workflow = rt.load(model, pathway.state.state_json, pathway.state.serializer_version)
    was = projection.before(workflow)
    try:
        run(workflow)
        with _conflicts_reported():
            projection.save(session, pathway, workflow, model, clock.now(), actor, completed_task_id, was)
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
    with _conflicts_reported():
        _route(session, clock, pathway, workflow, actor)
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
    _log(
        session,
        pathway,
        clock,
        actor,
        "reoriented",
        None,
        {"to_pathway": successor.id, "programme": following},
    )


def flush_or_conflict(session: Session) -> None:
    """Flush; a lost race with another writer becomes ConflictError (HTTP 409), never a 500."""
    with _conflicts_reported():
        session.flush()


def _conflicts_reported() -> AbstractContextManager[None]:
    return lost_race_as_conflict("pathway.changed_meanwhile")


def _log(
    session: Session,
    pathway: Pathway,
    clock: Clock,
    actor: str,
    kind: str,
    element_id: str | None,
    detail: dict[str, Any],
) -> None:
    session.add(
        PathwayEvent(
            pathway_id=pathway.id,
            at=clock.now(),
            actor=actor,
            kind=kind,
            element_id=element_id,
            detail_json=json.dumps(detail, default=_json_default),
        )
    )


def log_event(
    session: Session, pathway: Pathway, clock: Clock, actor: str, kind: str, detail: dict[str, Any]
) -> None:
    """Record something that happened to a pathway (closed data only)."""
    _log(session, pathway, clock, actor, kind, None, detail)


def _log_if_finished(session: Session, pathway: Pathway, clock: Clock, actor: str) -> None:
    if pathway.status == PathwayStatus.COMPLETED and pathway.ended_at == clock.now():
        _log(session, pathway, clock, actor, "completed", None, {"outcome": pathway.outcome})


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
