"""Pathways: start one, complete its tasks, fire its timers, change its referent, exit by hand.

Every transition loads the workflow from the pathway's saved state, advances it, and saves state and
projections together. If the engine fails half-way, nothing is written: `TransitionFailed` carries an
incident that the unit of work records after rolling back (persistence.db.unit_of_work).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import ConflictError, InvalidInput, NotFound, TransitionFailed
from parcours_engine.domain.outcomes import BY_CODE as OUTCOMES
from parcours_engine.engine.runtime import EngineFailure, Runtime, TaskNotReady, Workflow
from parcours_engine.persistence.models import Account, Beneficiary, Pathway, PathwayEvent, WorkItem
from parcours_engine.persistence.uow import lost_race_as_conflict
from parcours_engine.services import forms, models_cache, passport_tasks, projection, referents, versions


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
        raise NotFound(f"no beneficiary {beneficiary_id}")
    if referent_id is not None and session.get(Account, referent_id) is None:
        raise NotFound(f"no account {referent_id}")
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
        status="active",
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
    if referent_id is not None and pathway.status == "active":
        referents.transfer(session, clock, pathway, referent_id, actor)
    _route(session, clock, pathway, workflow, actor)
    _log_if_finished(session, pathway, clock, actor)
    return pathway


def get_pathway(session: Session, pathway_id: int, for_update: bool = False) -> Pathway:
    # The state is needed by every transition: load it in the same round trip.
    query = select(Pathway).where(Pathway.id == pathway_id).options(joinedload(Pathway.state))
    if for_update:
        query = query.with_for_update(of=Pathway).execution_options(populate_existing=True)
    pathway = session.scalar(query)
    if pathway is None:
        raise NotFound(f"no pathway {pathway_id}")
    return pathway


def complete_work_item(
    session: Session,
    clock: Clock,
    work_item_id: int,
    data: Mapping[str, Any],
    actor: str,
    expected_version: int | None = None,
    retry_of: int | None = None,
) -> Pathway:
    """Complete a task with its form's data (validated against the form's JSON Schema)."""
    item = session.get(WorkItem, work_item_id)
    if item is None:
        raise NotFound(f"no work item {work_item_id}")
    if item.status != "open":
        who = item.completed_by or "the engine"
        raise ConflictError(f"task already {item.status} by {who}")
    pathway = get_pathway(session, item.pathway_id)
    if expected_version is not None and pathway.version != expected_version:
        raise ConflictError("the pathway changed since you opened it; reload and try again")
    model = models_cache.model_for(pathway.process_version)
    clean = forms.validate(model, item.form, data)
    operation = {"work_item_id": item.id, "data": clean}

    def run(workflow: Workflow) -> None:
        try:
            models_cache.runtime().complete(workflow, item.task_uuid, clean, clock)
        except TaskNotReady as exc:
            raise ConflictError(str(exc)) from exc

    _transition(session, clock, pathway, actor, "complete_task", operation, run, item.task_uuid, retry_of)
    passport_tasks.on_task_completed(session, clock, pathway, item, clean, actor)  # passport forms feed it
    _log(session, pathway, clock, actor, "task_completed", item.element_id, {"work_item": item.id})
    _log_if_finished(session, pathway, clock, actor)
    return pathway


def fire_timers(session: Session, clock: Clock, pathway_id: int, retry_of: int | None = None) -> int:
    """Fire the due timers of one pathway; how many fired."""
    pathway = get_pathway(session, pathway_id)
    if pathway.status != "active":
        return 0
    fired = 0

    def run(workflow: Workflow) -> None:
        nonlocal fired
        fired = models_cache.runtime().fire_timers(workflow, clock)

    _transition(session, clock, pathway, "scheduler", "fire_timers", {}, run, None, retry_of)
    if fired:
        _log(session, pathway, clock, "scheduler", "timer_fired", None, {"count": fired})
        _log_if_finished(session, pathway, clock, "scheduler")
    return fired


def set_referent(
    session: Session,
    clock: Clock,
    pathway_id: int,
    referent_id: int,
    actor: str,
    kind: str = "permanent",
    ends_on: date | None = None,
) -> Pathway:
    """Make `referent_id` the pathway's one active referent; their open referent tasks follow.

    The one path for every change of referent (services.referents.transfer): history, notifications.
    """
    pathway = get_pathway(session, pathway_id)
    referents.transfer(session, clock, pathway, referent_id, actor, kind, ends_on)
    flush_or_conflict(session)
    return pathway


def exit_pathway(session: Session, clock: Clock, pathway_id: int, outcome: str, actor: str) -> Pathway:
    """End an active pathway by hand with an outcome of the closed list; its workflow is cancelled."""
    if outcome not in OUTCOMES:
        raise InvalidInput("unknown outcome", {"outcome": [f"must be one of {', '.join(OUTCOMES)}"]})
    pathway = get_pathway(session, pathway_id)
    if pathway.status != "active":
        raise ConflictError(f"this pathway already ended ({pathway.status})")
    model = models_cache.model_for(pathway.process_version)
    workflow = models_cache.runtime().load(model, pathway.state.state_json, pathway.state.serializer_version)
    Runtime.cancel(workflow)
    now = clock.now()
    with _conflicts_reported():
        projection.save(session, pathway, workflow, model, now, actor)
        # An exit is an end with an outcome (indicators count it), whatever the model had left to do.
        pathway.status, pathway.outcome, pathway.ended_at = "completed", outcome, now
        pathway.idle_since = pathway.next_timer_due = None
        session.flush()
    _log(session, pathway, clock, actor, "exited", None, {"outcome": outcome})
    return pathway


def _route(session: Session, clock: Clock, pathway: Pathway, workflow: Workflow, actor: str) -> None:
    """Give the pathway the referent its model's routing names (IEJ sets `csp_affecte`), if none yet."""
    if pathway.referent_id is not None or pathway.status != "active":
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
    actor: str,
    operation: str,
    operation_data: dict[str, Any],
    run: Callable[[Workflow], None],
    completed_task_id: str | None,
    retry_of: int | None,
) -> None:
    model = models_cache.model_for(pathway.process_version)
    rt = models_cache.runtime()
    workflow = rt.load(model, pathway.state.state_json, pathway.state.serializer_version)
    try:
        run(workflow)
    except EngineFailure as failure:
        incident = {
            "pathway_id": pathway.id,
            "at": clock.now(),
            "element_id": failure.element_id,
            "operation": operation,
            "operation_data": operation_data,
            "message": str(failure),
            "retry_of": retry_of,
        }
        raise TransitionFailed(str(failure), incident=incident) from failure
    with _conflicts_reported():
        projection.save(session, pathway, workflow, model, clock.now(), actor, completed_task_id)
        session.flush()
    _route(session, clock, pathway, workflow, actor)
    _start_follow_on(session, clock, pathway, workflow, actor)


def _start_follow_on(
    session: Session, clock: Clock, pathway: Pathway, workflow: Workflow, actor: str
) -> None:
    """A pathway that ends in `reorientation` naming `programme_suivant` (RAPID) starts that programme.

    Same person, same referent and structure, in the same transaction: the person never waits between
    the two programmes.
    """
    if pathway.status != "completed" or pathway.outcome != "reorientation" or pathway.ended_at != clock.now():
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
    return lost_race_as_conflict("someone else changed this pathway at the same time; reload and retry")


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
    if pathway.status == "completed" and pathway.ended_at == clock.now():
        _log(session, pathway, clock, actor, "completed", None, {"outcome": pathway.outcome})


def _json_default(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
