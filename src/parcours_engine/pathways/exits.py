"""Exits by hand, confirmed before they happen and corrected after a mistake.

Ending a pathway cannot be undone by its referent: the page first shows what the exit would record
(`exit_summary`, which writes nothing), and only a second, confirmed request ends it
(`pathways.exit_pathway`). An outcome recorded by mistake is corrected by a supervisor of the
pathway's structure or an admin (`correct_exit`): the pathway's outcome and exit date change, so the
indicators count the corrected outcome, and the history keeps who, when, from what to what and why.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import PathwayStatus
from parcours_engine.domain.errors import ConflictError, FieldError, InvalidInput
from parcours_engine.domain.outcomes import BY_CODE, REASONS_BY_CODE, Outcome
from parcours_engine.domain.permissions import Action
from parcours_engine.pathways.pathways import flush_or_conflict, log_event
from parcours_engine.persistence.models import Account, Beneficiary, Pathway, PathwayEvent

CORRECTED = "exit_corrected"  # the history's kind of a correction


@dataclass(frozen=True)
class ExitSummary:
    """What an exit would record: shown to the referent before they confirm it."""

    pathway: Pathway
    person: Beneficiary
    outcome: Outcome
    on: date


@dataclass(frozen=True)
class Correction:
    """One correction of an exit, as the history shows it."""

    at: datetime
    by: str
    from_outcome: str
    to_outcome: str
    from_date: date
    to_date: date
    reason: str


def _chosen_outcome(code: str) -> Outcome:
    if not code:
        raise InvalidInput("error.invalid_input", {"outcome": [FieldError("field.required")]})
    if code not in BY_CODE:
        raise InvalidInput("error.invalid_input", {"outcome": [FieldError("field.choice")]})
    return BY_CODE[code]


def exit_summary(
    session: Session, clock: Clock, actor: Account, pathway_id: int, outcome: str, route: str
) -> ExitSummary:
    """The exit `actor` asks for, checked as the exit itself is (right, state, outcome); nothing written
    but the access log."""
    pathway = access.pathway_for(session, clock, actor, pathway_id, Action.EXIT_PATHWAY, route)
    if pathway.status != PathwayStatus.ACTIVE:
        raise ConflictError("pathway.already_ended", status=pathway.status)
    chosen = _chosen_outcome(outcome)
    person = session.get(Beneficiary, pathway.beneficiary_id)
    assert person is not None  # a pathway always has its person (anonymised ones are a 404 above)
    return ExitSummary(pathway, person, chosen, clock.now().date())


def correct_exit(
    session: Session,
    clock: Clock,
    actor: Account,
    pathway_id: int,
    outcome: str,
    reason: str,
    ended_on: date | None,
    route: str,
) -> Pathway:
    """`actor` (CORRECT_EXIT) replaces an ended pathway's outcome and exit date, for a reason of the
    closed list; the history keeps the correction."""
    pathway = access.pathway_for(session, clock, actor, pathway_id, Action.CORRECT_EXIT, route)
    if pathway.status != PathwayStatus.COMPLETED or pathway.ended_at is None or not pathway.outcome:
        raise ConflictError("exit.not_ended")
    errors: dict[str, list[FieldError]] = {}
    try:
        _chosen_outcome(outcome)
    except InvalidInput as error:
        errors.update(error.field_errors)
    if not reason:
        errors["reason"] = [FieldError("field.required")]
    elif reason not in REASONS_BY_CODE:
        errors["reason"] = [FieldError("field.choice")]
    today, started = clock.now().date(), pathway.started_at.date()
    if ended_on is None:
        errors["ended_on"] = [FieldError("field.required")]
    elif ended_on > today:
        errors["ended_on"] = [FieldError("field.date_before", limit=today.strftime("%d/%m/%Y"))]
    elif ended_on < started:
        errors["ended_on"] = [FieldError("field.date_after", limit=started.strftime("%d/%m/%Y"))]
    previous, ended_at = pathway.outcome, pathway.ended_at
    previous_on = ended_at.date()
    if not errors and (outcome, ended_on) == (previous, previous_on):
        errors["outcome"] = [FieldError("exit.correction_unchanged")]
    if errors:
        raise InvalidInput("error.invalid_input", errors)
    assert ended_on is not None
    pathway.outcome = outcome
    if ended_on != previous_on:
        # The indicators count exits by their date: the corrected date moves the exit to its period.
        pathway.ended_at = datetime.combine(ended_on, ended_at.timetz())
    flush_or_conflict(session)
    detail = {
        "from": previous,
        "to": outcome,
        "from_date": previous_on.isoformat(),
        "to_date": ended_on.isoformat(),
        "reason": reason,
    }
    log_event(session, pathway, clock, actor.username, CORRECTED, detail)
    return pathway


def corrections(session: Session, pathway_id: int) -> list[Correction]:
    """The corrections of the pathway's exit, oldest first, each by its author's display name."""
    query = (
        select(PathwayEvent, Account.display_name)
        .outerjoin(Account, Account.username == PathwayEvent.actor)
        .where(PathwayEvent.pathway_id == pathway_id, PathwayEvent.kind == CORRECTED)
        .order_by(PathwayEvent.at, PathwayEvent.id)
    )
    found = []
    for event, name in session.execute(query):
        detail = json.loads(event.detail_json)
        found.append(
            Correction(
                at=event.at,
                by=name or event.actor,
                from_outcome=detail["from"],
                to_outcome=detail["to"],
                from_date=date.fromisoformat(detail["from_date"]),
                to_date=date.fromisoformat(detail["to_date"]),
                reason=detail["reason"],
            )
        )
    return found
