"""The passport's indicators (seed 002), per programme and period.

"Le nombre et la nature des périodes en entreprise capitalisées sur le passeport emploi ; le niveau de
compétences sociales en départ et en fin de parcours ; le nombre et la nature des partenaires du réseau
ayant contribué ; les situations de type emploi."

The people counted are those with a pathway of the programme (any programme when None) that was open
at some time in the period. Periods and employment situations count the experiences that started in
the period. Competence levels are taken per person at the start of their follow-up in the period
(the later of the period's start and their pathway's start) and at its end (the earlier of the
period's end and their pathway's end), from the dated history of each competence.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select
from sqlalchemy.orm import Session

from parcours_engine.engine.timers import PARIS
from parcours_engine.passport.referential import Referential, referential
from parcours_engine.persistence.models import Pathway, Structure
from parcours_engine.persistence.models.passport import (
    CompetenceAssessment,
    Experience,
    Passport,
    ReferenceDocument,
    SharingConsent,
)
from parcours_engine.supervision.indicators import Period


def indicators(
    session: Session,
    programme: str | None,
    start: date,
    end: date,
    structure_id: int | None = None,
    *,
    people: int | None = None,
) -> dict[str, Any]:
    """Company periods, competence levels at start and end, partners involved, employment situations.

    JSON-ready (codes with their French labels), for the supervisors' dashboard and the API. With a
    `structure_id`, only the people that structure follows in the programme are counted. `people`, when
    the caller has counted them already (the dashboard: supervision.indicators' people present, the
    same definition), saves counting them again. Days are French days, as everywhere in the figures.

    Counted in the database: who was followed is a condition on the pathway rows (index-only over
    ix_pathway_programme_people), never a list of ids sent back, so that a structure with 200,000
    pathways costs a few aggregate queries; only the competence histories of the people followed who
    have one come to Python.
    """
    ref = referential()
    followed = _followed(programme, start, end, structure_id)
    if people is None:
        people = (
            session.scalar(select(func.count(func.distinct(Pathway.beneficiary_id))).where(*followed)) or 0
        )
    passports = select(Passport.id).where(
        exists().where(Pathway.beneficiary_id == Passport.beneficiary_id, *followed)
    )
    experiences = _experiences(session, passports, start, end)
    periods = _counted(ref, experiences)
    employment_kinds = {kind.code for kind in ref.period_kinds if kind.employment}
    employment = _counted(ref, [e for e in experiences if e.kind in employment_kinds])
    return {
        "programme": programme,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "people": int(people),
        "company_periods": periods,
        "employment_situations": employment,
        "competences": _levels(session, ref, passports, _follow_up_spans(session, followed, start, end)),
        "partners": _partners(session, followed, passports, start, end),
    }


def _followed(
    programme: str | None, start: date, end: date, structure_id: int | None
) -> list[ColumnElement[bool]]:
    """The conditions on a pathway row open at some time in the period (of the programme, structure)."""
    period = Period(start, end)
    conditions = [
        Pathway.started_at < period.until,
        or_(Pathway.ended_at.is_(None), Pathway.ended_at >= period.since),
    ]
    if programme is not None:
        conditions.append(Pathway.programme == programme)
    if structure_id is not None:
        conditions.append(Pathway.structure_id == structure_id)
    return conditions


def _follow_up_spans(
    session: Session, followed: list[ColumnElement[bool]], start: date, end: date
) -> dict[int, tuple[date, date]]:
    """Per person followed who has an assessed competence: from when to when they were followed within
    the period (their earliest start and latest end, an open pathway running to the period's end)."""
    assessed = select(Passport.beneficiary_id).join(
        CompetenceAssessment, CompetenceAssessment.passport_id == Passport.id
    )
    query = (
        select(
            Pathway.beneficiary_id,
            func.min(Pathway.started_at),
            func.max(Pathway.ended_at),
            func.count() > func.count(Pathway.ended_at),  # one of them still open
        )
        .where(*followed, Pathway.beneficiary_id.in_(assessed))
        .group_by(Pathway.beneficiary_id)
    )
    spans: dict[int, tuple[date, date]] = {}
    for person, started_at, ended_at, still_open in session.execute(query):
        last = end if still_open or ended_at is None else min(end, _day(ended_at))
        spans[person] = (max(start, _day(started_at)), last)
    return spans


@dataclass(frozen=True)
class _Experience:
    kind: str
    sector: str


def _experiences(session: Session, passports: Select[Any], start: date, end: date) -> list[_Experience]:
    query = select(Experience.kind, Experience.sector).where(
        Experience.passport_id.in_(passports), Experience.started_on.between(start, end)
    )
    return [_Experience(kind, sector) for kind, sector in session.execute(query)]


def _counted(ref: Referential, experiences: list[_Experience]) -> dict[str, Any]:
    by_kind = Counter(e.kind for e in experiences)
    by_sector = Counter(e.sector for e in experiences)
    return {
        "total": len(experiences),
        "by_kind": [
            {"code": code, "label": ref.label("period_kinds", code), "count": n}
            for code, n in sorted(by_kind.items())
        ],
        "by_sector": [
            {"code": code, "label": ref.label("sectors", code), "count": n}
            for code, n in sorted(by_sector.items())
        ],
    }


def _levels(
    session: Session, ref: Referential, passports: Select[Any], spans: dict[int, tuple[date, date]]
) -> dict[str, Any]:
    """Per competence, how many people stood at each level at the start and at the end."""
    rows = (
        session.execute(
            select(Passport.beneficiary_id, CompetenceAssessment)
            .join(CompetenceAssessment, CompetenceAssessment.passport_id == Passport.id)
            .where(Passport.id.in_(passports))
            .order_by(CompetenceAssessment.assessed_on, CompetenceAssessment.id)
        ).all()
        if spans
        else []
    )
    history: dict[tuple[int, str], list[CompetenceAssessment]] = {}
    for person, row in rows:
        history.setdefault((person, row.competence), []).append(row)
    # Read in two statements: on PostgreSQL a person's first assessment committed in between is in
    # `rows` without a span; they are counted at the next reading.
    with_passport = {person for person, _ in history if person in spans}
    result = []
    for item in ref.competences:
        at_start: Counter[str] = Counter()
        at_end: Counter[str] = Counter()
        progressed = 0
        for person in with_passport:
            steps = history.get((person, item.code), [])
            first, last = spans[person]
            level_start = _level_on(steps, first, ref.initial_level)
            level_end = _level_on(steps, last, ref.initial_level)
            at_start[level_start] += 1
            at_end[level_end] += 1
            progressed += _rank(ref, level_end) > _rank(ref, level_start)
        result.append(
            {
                "code": item.code,
                "label": item.label,
                "start": _by_level(ref, at_start),
                "end": _by_level(ref, at_end),
                "progressed": progressed,
            }
        )
    return {"people_with_passport": len(with_passport), "by_competence": result}


def _level_on(steps: list[CompetenceAssessment], day: date, initial: str) -> str:
    level = initial
    for step in steps:
        if step.assessed_on > day:
            break
        level = step.level
    return level


def _rank(ref: Referential, code: str) -> int:
    rank = ref.level(code).rank
    return -1 if rank is None else rank


def _by_level(ref: Referential, counts: Counter[str]) -> list[dict[str, Any]]:
    return [
        {"code": level.code, "label": level.label, "count": counts.get(level.code, 0)} for level in ref.levels
    ]


def _partners(
    session: Session,
    followed: list[ColumnElement[bool]],
    passports: Select[Any],
    start: date,
    end: date,
) -> dict[str, Any]:
    """The structures that wrote to these people's passports in the period, or were trusted with them."""
    period = Period(start, end)
    begin, finish = period.since, period.until
    contributions: Counter[int] = Counter()
    for table in (Experience, CompetenceAssessment, ReferenceDocument):
        query = (
            select(table.structure_id, func.count())
            .where(
                table.passport_id.in_(passports),
                table.structure_id.is_not(None),
                and_(table.recorded_at >= begin, table.recorded_at < finish),
            )
            .group_by(table.structure_id)
        )
        if table is CompetenceAssessment:
            query = query.where(CompetenceAssessment.source != "ouverture")
        contributions.update({sid: n for sid, n in session.execute(query) if sid is not None})
    consents = (
        select(SharingConsent.structure_id, func.count())
        .where(
            exists().where(Pathway.beneficiary_id == SharingConsent.beneficiary_id, *followed),
            SharingConsent.recorded_at < finish,
            or_(SharingConsent.withdrawn_at.is_(None), SharingConsent.withdrawn_at >= begin),
        )
        .group_by(SharingConsent.structure_id)
    )
    trusted: Counter[int] = Counter({sid: n for sid, n in session.execute(consents)})
    ids = set(contributions) | set(trusted)
    structures = session.scalars(select(Structure).where(Structure.id.in_(ids))).all() if ids else []
    listed = [
        {
            "code": s.code,
            "name": s.name,
            "kind": s.kind,
            "contributions": contributions.get(s.id, 0),
            "consents": trusted.get(s.id, 0),
        }
        for s in sorted(structures, key=lambda s: s.code)
    ]
    kinds = Counter(s.kind for s in structures)
    return {
        "total": len(listed),
        "by_kind": [{"kind": kind, "count": n} for kind, n in sorted(kinds.items())],
        "structures": listed,
    }


def _day(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()
