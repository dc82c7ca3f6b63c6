"""Feed the passport from the tasks of the programme library, whatever the programme.

`on_task_completed` runs inside `pathways.complete_work_item`, in the same transaction: when a work
item whose form is one of `TASK_FORMS` completes, its data is written into the person's passport. The
field names are those of the forms in forms/ (the programme library's contract with the passport):
- passeport_ouverture: `date_ouverture` opens the passport (every competence "à vérifier");
- experience_professionnelle: `entreprise`, `secteur`, `code_rome`, `type_periode`,
  `date_debut_periode`, `date_fin_periode`, `reference` record the period in a company;
- competences_sociales: `competences_sociales` {code: level} on `date_evaluation`, after the last
  period the same pathway recorded;
- emploi (prise de poste): `type_contrat`, `employeur`, `secteur`, `code_rome`, `date_debut_contrat`,
  `duree_contrat_mois` record the employment situation.
A partner completing such a task writes to the passport, so the person's consent to share with the
partner's structure is required there too (Forbidden otherwise: the task stays open).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.dates import parse_date
from parcours_engine.domain.enums import AccountRole
from parcours_engine.domain.errors import Forbidden
from parcours_engine.passport import consent
from parcours_engine.passport.passport import (
    ExperienceInput,
    Writer,
    ensure_open,
    record_experience,
    record_levels,
)
from parcours_engine.persistence.models import Account, Pathway, WorkItem
from parcours_engine.persistence.models.passport import CompetenceAssessment, Experience, Passport

OPENING = "passeport_ouverture.schema.json"
EXPERIENCE = "experience_professionnelle.schema.json"
COMPETENCES = "competences_sociales.schema.json"
EMPLOYMENT = "emploi.schema.json"
# emploi.schema.json's contract kinds → the passport's period kinds (forms/referentiel_competences.json).
CONTRACT_KINDS = {
    "cdi": "cdi",
    "cdd": "cdd",
    "interim": "interim",
    "apprentissage": "alternance",
    "professionnalisation": "alternance",
    "contrat_aide": "contrat_aide",
    "creation_activite": "creation_activite",
}

Handler = Callable[[Session, Clock, Passport, Pathway, WorkItem, Mapping[str, Any], Writer], None]


def on_task_completed(
    session: Session, clock: Clock, pathway: Pathway, item: WorkItem, data: Mapping[str, Any], actor: str
) -> None:
    """Write what a completed passport task recorded into the person's passport (if it is one)."""
    handler = TASK_FORMS.get(item.form or "")
    if handler is None:
        return
    account = session.scalar(select(Account).where(Account.username == actor))
    is_partner = account is not None and account.role == AccountRole.PARTNER
    structure_id = account.structure_id if account is not None else None
    if is_partner and consent.active(session, pathway.beneficiary_id, structure_id) is None:
        raise Forbidden("access.passport_needs_consent")
    writer = Writer(actor, structure_id)
    opened_on = _optional_date(data, "date_ouverture") if item.form == OPENING else None
    passport = ensure_open(session, clock, pathway.beneficiary_id, writer, opened_on, pathway.id)
    handler(session, clock, passport, pathway, item, data, writer)


def _opening(*_args: Any) -> None:
    """Opening is all `ensure_open` does."""


def _experience(
    session: Session,
    clock: Clock,
    passport: Passport,
    pathway: Pathway,
    item: WorkItem,
    data: Mapping[str, Any],
    writer: Writer,
) -> None:
    if _already(session, Experience, item):
        return  # a retried transition: recorded the first time
    given = ExperienceInput(
        company=data["entreprise"],
        sector=data["secteur"],
        kind=data["type_periode"],
        started_on=_date(data, "date_debut_periode"),
        ended_on=_optional_date(data, "date_fin_periode"),
        rome_code=data.get("code_rome"),
        reference_obtained=data.get("reference"),
    )
    record_experience(session, clock, passport, given, writer, pathway.id, item.id)


def _employment(
    session: Session,
    clock: Clock,
    passport: Passport,
    pathway: Pathway,
    item: WorkItem,
    data: Mapping[str, Any],
    writer: Writer,
) -> None:
    if _already(session, Experience, item):
        return
    started_on = _date(data, "date_debut_contrat")
    months = data.get("duree_contrat_mois")
    kind = CONTRACT_KINDS.get(data["type_contrat"], data["type_contrat"])
    ended_on = started_on + relativedelta(months=months) if months and kind != "cdi" else None
    given = ExperienceInput(
        data["employeur"], data["secteur"], kind, started_on, ended_on, data.get("code_rome")
    )
    record_experience(session, clock, passport, given, writer, pathway.id, item.id)


def _competences(
    session: Session,
    clock: Clock,
    passport: Passport,
    pathway: Pathway,
    item: WorkItem,
    data: Mapping[str, Any],
    writer: Writer,
) -> None:
    if _already(session, CompetenceAssessment, item):
        return
    # The period these levels follow: the last one this pathway recorded before the task.
    experience_id = session.scalar(
        select(Experience.id)
        .where(Experience.pathway_id == pathway.id, Experience.passport_id == passport.id)
        .order_by(Experience.id.desc())
        .limit(1)
    )
    record_levels(
        session,
        clock,
        passport,
        data["competences_sociales"],
        _date(data, "date_evaluation"),
        writer,
        experience_id,
        pathway_id=pathway.id,
        work_item_id=item.id,
    )


def _already(session: Session, table: type[Experience] | type[CompetenceAssessment], item: WorkItem) -> bool:
    return session.scalar(select(table.id).where(table.work_item_id == item.id).limit(1)) is not None


def _date(data: Mapping[str, Any], name: str) -> date:
    """A date the task's form recorded (its schema requires it; domain.dates reads it)."""
    found = parse_date(data.get(name), name)
    assert found is not None  # required: parse_date raised otherwise
    return found


def _optional_date(data: Mapping[str, Any], name: str) -> date | None:
    return parse_date(data.get(name), name, required=False)


TASK_FORMS: dict[str, Handler] = {
    OPENING: _opening,
    EXPERIENCE: _experience,
    COMPETENCES: _competences,
    EMPLOYMENT: _employment,
}
