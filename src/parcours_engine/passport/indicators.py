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
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from parcours_engine.passport.referential import Referential, referential
from parcours_engine.persistence.models import Pathway, Structure
from parcours_engine.persistence.models.passport import (
    CompetenceAssessment,
    Experience,
    Passport,
    ReferenceDocument,
    SharingConsent,
)


def indicators(
    session: Session, programme: str | None, start: date, end: date, structure_id: int | None = None
) -> dict[str, Any]:
    """Company periods, competence levels at start and end, partners involved, employment situations.

    JSON-ready (codes with their French labels), for the supervisors' dashboard and the API. With a
    `structure_id`, only the people that structure follows in the programme are counted.
    """
    ref = referential()
    spans = _follow_up_spans(session, programme, start, end, structure_id)
    people = set(spans)
    experiences = _experiences(session, people, start, end)
    periods = _counted(ref, experiences)
    employment_kinds = {kind.code for kind in ref.period_kinds if kind.employment}
    employment = _counted(ref, [e for e in experiences if e.kind in employment_kinds])
    return {
        "programme": programme,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "people": len(people),
        "company_periods": periods,
        "employment_situations": employment,
        "competences": _levels(session, ref, spans),
        "partners": _partners(session, people, start, end),
    }


def _follow_up_spans(
    session: Session, programme: str | None, start: date, end: date, structure_id: int | None
) -> dict[int, tuple[date, date]]:
    """Per person: from when to when they were followed within the period."""
    begin, finish = _at(start), _at(end + timedelta(days=1))
    query = select(Pathway.beneficiary_id, Pathway.started_at, Pathway.ended_at).where(
        Pathway.started_at < finish, or_(Pathway.ended_at.is_(None), Pathway.ended_at >= begin)
    )
    if programme is not None:
        query = query.where(Pathway.programme == programme)
    if structure_id is not None:
        query = query.where(Pathway.structure_id == structure_id)
    spans: dict[int, tuple[date, date]] = {}
    for person, started_at, ended_at in session.execute(query):
        first = max(start, started_at.date())
        last = min(end, ended_at.date()) if ended_at is not None else end
        if person in spans:
            first, last = min(first, spans[person][0]), max(last, spans[person][1])
        spans[person] = (first, last)
    return spans


def _experiences(session: Session, people: set[int], start: date, end: date) -> list[Experience]:
    if not people:
        return []
    query = (
        select(Experience)
        .join(Passport, Passport.id == Experience.passport_id)
        .where(Passport.beneficiary_id.in_(people), Experience.started_on.between(start, end))
    )
    return list(session.scalars(query))


def _counted(ref: Referential, experiences: list[Experience]) -> dict[str, Any]:
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


def _levels(session: Session, ref: Referential, spans: dict[int, tuple[date, date]]) -> dict[str, Any]:
    """Per competence, how many people stood at each level at the start and at the end."""
    rows = (
        session.execute(
            select(Passport.beneficiary_id, CompetenceAssessment)
            .join(CompetenceAssessment, CompetenceAssessment.passport_id == Passport.id)
            .where(Passport.beneficiary_id.in_(spans))
            .order_by(CompetenceAssessment.assessed_on, CompetenceAssessment.id)
        ).all()
        if spans
        else []
    )
    history: dict[tuple[int, str], list[CompetenceAssessment]] = {}
    for person, row in rows:
        history.setdefault((person, row.competence), []).append(row)
    with_passport = {person for person, _ in history}
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


def _partners(session: Session, people: set[int], start: date, end: date) -> dict[str, Any]:
    """The structures that wrote to these people's passports in the period, or were trusted with them."""
    if not people:
        return {"total": 0, "by_kind": [], "structures": []}
    begin, finish = _at(start), _at(end + timedelta(days=1))
    contributions: Counter[int] = Counter()
    for table in (Experience, CompetenceAssessment, ReferenceDocument):
        query = (
            select(table.structure_id)
            .join(Passport, Passport.id == table.passport_id)
            .where(
                Passport.beneficiary_id.in_(people),
                table.structure_id.is_not(None),
                and_(table.recorded_at >= begin, table.recorded_at < finish),
            )
        )
        if table is CompetenceAssessment:
            query = query.where(CompetenceAssessment.source != "ouverture")
        contributions.update(session.scalars(query))
    consents = session.scalars(
        select(SharingConsent.structure_id).where(
            SharingConsent.beneficiary_id.in_(people),
            SharingConsent.recorded_at < finish,
            or_(SharingConsent.withdrawn_at.is_(None), SharingConsent.withdrawn_at >= begin),
        )
    )
    trusted = Counter(consents)
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


def _at(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)
