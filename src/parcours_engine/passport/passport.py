"""The employment passport (seed 002): social competencies, experiences in companies, references.

One passport per person, whatever their programmes. It opens with every competence of the referential
at its initial level ("à vérifier": none is excluded up front); after each period in a company the
referent records the experience and, with the employer, the competence levels. Levels are never
overwritten: each update is a new dated row, so the passport shows how each competence evolved.

Writes come from two doors, with the same rules (domain.permissions, access): the referent's pages (an
`Account`, every read and change logged in `access_log`) and the tasks of the programme library
(`on_task_completed`, called when a work item completes; see `TASK_FORMS`). There is no free text:
closed codes, dates, company names and attached documents only (`references.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import FieldError, FieldErrors, InvalidInput, NotFound
from parcours_engine.domain.permissions import Action
from parcours_engine.passport.indicators import indicators as indicators
from parcours_engine.passport.referential import Referential, referential
from parcours_engine.persistence.models import Account, Beneficiary
from parcours_engine.persistence.models.passport import (
    CompetenceAssessment,
    Experience,
    Passport,
    ReferenceDocument,
)


@dataclass(frozen=True)
class Writer:
    """Who writes: their username (kept with each row) and structure (partners' contributions)."""

    username: str
    structure_id: int | None


@dataclass(frozen=True)
class LevelAt:
    level: str
    label: str
    assessed_on: date
    experience_id: int | None
    recorded_by: str


@dataclass(frozen=True)
class CompetenceView:
    code: str
    label: str
    level: str
    level_label: str
    since: date | None
    history: tuple[LevelAt, ...]  # oldest first


@dataclass(frozen=True)
class PassportView:
    person: Beneficiary
    passport: Passport | None
    competences: tuple[CompetenceView, ...]
    experiences: tuple[Experience, ...]  # newest first
    references: tuple[ReferenceDocument, ...]  # newest first; contents not loaded


def writer_of(account: Account) -> Writer:
    return Writer(account.username, account.structure_id)


# -- reading ---------------------------------------------------------------------------------------


def view(session: Session, beneficiary_id: int) -> PassportView:
    """The passport as the person and their referents read it (no access check: callers do it)."""
    person = session.get(Beneficiary, beneficiary_id)
    if person is None:
        raise NotFound("person.not_found", id=beneficiary_id)
    passport = _passport(session, beneficiary_id)
    if passport is None:
        return PassportView(person, None, (), (), ())
    rows = session.scalars(
        select(CompetenceAssessment)
        .where(CompetenceAssessment.passport_id == passport.id)
        .order_by(CompetenceAssessment.assessed_on, CompetenceAssessment.id)
    ).all()
    experiences = session.scalars(
        select(Experience)
        .where(Experience.passport_id == passport.id)
        .order_by(Experience.started_on.desc(), Experience.id.desc())
    ).all()
    references = session.scalars(
        select(ReferenceDocument)
        .where(ReferenceDocument.passport_id == passport.id)
        .order_by(ReferenceDocument.issued_on.desc(), ReferenceDocument.id.desc())
    ).all()
    competences = _competences(referential(), rows)
    return PassportView(person, passport, competences, tuple(experiences), tuple(references))


def _competences(ref: Referential, rows: Any) -> tuple[CompetenceView, ...]:
    history: dict[str, list[LevelAt]] = {}
    for row in rows:
        level = ref.level(row.level)
        history.setdefault(row.competence, []).append(
            LevelAt(row.level, level.label, row.assessed_on, row.experience_id, row.recorded_by)
        )
    codes = [item.code for item in ref.competences]
    codes += [code for code in history if code not in codes]  # retired from the file: still shown
    views = []
    for code in codes:
        steps = tuple(history.get(code, ()))
        # A competence added to the referential after the passport opened starts "à vérifier" too.
        current = steps[-1].level if steps else ref.initial_level
        views.append(
            CompetenceView(
                code=code,
                label=ref.label("competences", code),
                level=current,
                level_label=ref.level(current).label,
                since=steps[-1].assessed_on if steps else None,
                history=steps,
            )
        )
    return tuple(views)


def read(session: Session, clock: Clock, account: Account, beneficiary_id: int, route: str) -> PassportView:
    """The passport if `account` may read it; the read is logged."""
    access.beneficiary_for(session, clock, account, beneficiary_id, Action.READ_PASSPORT, route)
    return view(session, beneficiary_id)


# -- writing ---------------------------------------------------------------------------------------


def _passport(session: Session, beneficiary_id: int) -> Passport | None:
    found: Passport | None = session.scalar(select(Passport).where(Passport.beneficiary_id == beneficiary_id))
    return found


def ensure_open(
    session: Session,
    clock: Clock,
    beneficiary_id: int,
    by: Writer,
    opened_on: date | None = None,
    pathway_id: int | None = None,
) -> Passport:
    """The person's passport, opened now with every competence at the initial level if it was not."""
    passport = _passport(session, beneficiary_id)
    if passport is not None:
        return passport
    now = clock.now()
    opened_on = opened_on or now.date()
    passport = Passport(
        beneficiary_id=beneficiary_id, opened_on=opened_on, opened_at=now, opened_by=by.username
    )
    passport.pathway_id = pathway_id
    session.add(passport)
    session.flush()
    ref = referential()
    for item in ref.competences:
        session.add(_assessment(passport, item.code, ref.initial_level, opened_on, by, now, "ouverture"))
    session.flush()
    return passport


def _assessment(
    passport: Passport, code: str, level: str, on: date, by: Writer, now: Any, source: str
) -> CompetenceAssessment:
    return CompetenceAssessment(
        passport_id=passport.id,
        competence=code,
        level=level,
        assessed_on=on,
        source=source,
        recorded_at=now,
        recorded_by=by.username,
        structure_id=by.structure_id,
    )


def open_passport(
    session: Session, clock: Clock, account: Account, beneficiary_id: int, route: str
) -> Passport:
    """The referent opens the person's passport (nothing happens if it is already open)."""
    access.beneficiary_for(session, clock, account, beneficiary_id, Action.WRITE_PASSPORT, route)
    return ensure_open(session, clock, beneficiary_id, writer_of(account))


def record_levels(
    session: Session,
    clock: Clock,
    passport: Passport,
    levels: Mapping[str, str],
    assessed_on: date,
    by: Writer,
    experience_id: int | None = None,
    **origin: int | None,
) -> list[CompetenceAssessment]:
    """New levels for some competences on `assessed_on`, after the period `experience_id`."""
    ref = referential()
    errors: FieldErrors = {}
    for code, level in levels.items():
        if code not in ref.codes("competences"):
            errors[code] = [FieldError("passport.unknown_competence")]
        elif level not in ref.codes("levels"):
            errors[code] = [FieldError("field.choice")]
    if not levels:
        errors["__all__"] = [FieldError("passport.no_competence")]
    if assessed_on > clock.now().date() or assessed_on < passport.opened_on:
        errors["assessed_on"] = [
            FieldError("passport.assessed_on", opened=passport.opened_on.strftime("%d/%m/%Y"))
        ]
    if experience_id is not None and experience_of(session, passport, experience_id) is None:
        errors["experience_id"] = [FieldError("passport.not_a_period")]
    if errors:
        raise InvalidInput(field_errors=errors)
    now = clock.now()
    rows = []
    for code, level in levels.items():
        row = _assessment(
            passport, code, level, assessed_on, by, now, "periode" if experience_id else "referent"
        )
        row.experience_id = experience_id
        row.pathway_id, row.work_item_id = origin.get("pathway_id"), origin.get("work_item_id")
        session.add(row)
        rows.append(row)
    session.flush()
    return rows


def update_competences(
    session: Session,
    clock: Clock,
    account: Account,
    beneficiary_id: int,
    levels: Mapping[str, str],
    assessed_on: date,
    experience_id: int | None,
    route: str,
) -> list[CompetenceAssessment]:
    """The referent, with the employer, updates competence levels after a period in a company."""
    access.beneficiary_for(session, clock, account, beneficiary_id, Action.WRITE_PASSPORT, route)
    passport = ensure_open(session, clock, beneficiary_id, writer_of(account))
    return record_levels(session, clock, passport, levels, assessed_on, writer_of(account), experience_id)


def experience_of(session: Session, passport: Passport, experience_id: int) -> Experience | None:
    found = session.get(Experience, experience_id)
    return found if found is not None and found.passport_id == passport.id else None


@dataclass(frozen=True)
class ExperienceInput:
    company: str
    sector: str
    kind: str
    started_on: date
    ended_on: date | None
    rome_code: str | None = None
    reference_obtained: str | None = None


def record_experience(
    session: Session,
    clock: Clock,
    passport: Passport,
    given: ExperienceInput,
    by: Writer,
    pathway_id: int | None = None,
    work_item_id: int | None = None,
) -> Experience:
    _check_experience(given, referential())
    experience = Experience(
        passport_id=passport.id,
        company=" ".join(given.company.split()),
        sector=given.sector,
        rome_code=given.rome_code or None,
        kind=given.kind,
        started_on=given.started_on,
        ended_on=given.ended_on,
        reference_obtained=given.reference_obtained,
        recorded_at=clock.now(),
        recorded_by=by.username,
        structure_id=by.structure_id,
        pathway_id=pathway_id,
        work_item_id=work_item_id,
    )
    session.add(experience)
    session.flush()
    return experience


def _check_experience(given: ExperienceInput, ref: Referential) -> None:
    errors: FieldErrors = {}
    if not given.company.strip():
        errors["company"] = [FieldError("field.required")]
    elif len(given.company) > 120:
        errors["company"] = [FieldError("field.too_long", limit=120)]
    if given.sector not in ref.codes("sectors"):
        errors["sector"] = [FieldError("field.choice")]
    if given.kind not in ref.codes("period_kinds"):
        errors["kind"] = [FieldError("field.choice")]
    if given.reference_obtained is not None and given.reference_obtained not in ref.codes(
        "references_obtained"
    ):
        errors["reference_obtained"] = [FieldError("field.choice")]
    if given.rome_code and not (
        len(given.rome_code) == 5 and given.rome_code[0] in "ABCDEFGHIJKLMN" and given.rome_code[1:].isdigit()
    ):
        errors["rome_code"] = [FieldError("passport.rome_code")]
    if given.ended_on is not None and given.ended_on < given.started_on:
        errors["ended_on"] = [FieldError("field.period_reversed")]
    if errors:
        raise InvalidInput(field_errors=errors)


def add_experience(
    session: Session, clock: Clock, account: Account, beneficiary_id: int, given: ExperienceInput, route: str
) -> Experience:
    """The referent records a period in a company."""
    access.beneficiary_for(session, clock, account, beneficiary_id, Action.WRITE_PASSPORT, route)
    passport = ensure_open(session, clock, beneficiary_id, writer_of(account))
    return record_experience(session, clock, passport, given, writer_of(account))
