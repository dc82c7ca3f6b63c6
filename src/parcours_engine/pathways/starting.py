"""Start a pathway: for a person, on the newest published version of a programme.

`start_for` is the door for people (checked and logged); `start_pathway` the system's (data loads,
a follow-on programme). Both give the pathway the referent its model routes to (`route`).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import PathwayStatus
from parcours_engine.domain.errors import FieldError, Forbidden, InvalidInput, NotFound, TransitionFailed
from parcours_engine.domain.permissions import Action, Profile, Scope, may_be_referent, may_start_for
from parcours_engine.engine import live
from parcours_engine.engine.runtime import EngineFailure, Runtime, Workflow
from parcours_engine.pathways import models_cache, projection, referents
from parcours_engine.pathways.journal import flush_or_conflict, log, log_if_finished
from parcours_engine.persistence.models import Account, Beneficiary, Pathway
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
    shown = projection.save_new(session, pathway, workflow, model, now, actor)
    saved = pathway.state
    live.WORKFLOWS.keep(pathway.id, model, saved.state_json, saved.serializer_version, workflow, shown)
    log(session, pathway, clock, actor, "started", None, {"version": version.version})
    if referent_id is not None and pathway.status == PathwayStatus.ACTIVE:
        referents.transfer(session, clock, pathway, referent_id, actor)
    route(session, clock, pathway, workflow, actor)
    log_if_finished(session, pathway, clock, actor)
    return pathway


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


def route(session: Session, clock: Clock, pathway: Pathway, workflow: Workflow, actor: str) -> None:
    """Give the pathway the referent its model's routing names (IEJ sets `csp_affecte`), if none yet."""
    if pathway.referent_id is not None or pathway.status != PathwayStatus.ACTIVE:
        return
    code = Runtime.data_value(workflow, referents.ROUTING_FIELD)
    if code is None:
        code = next(iter(Runtime.waiting_values(workflow, referents.ROUTING_FIELD)), None)
    if referents.route(session, clock, pathway, code, actor):
        flush_or_conflict(session)
