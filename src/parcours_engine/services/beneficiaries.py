"""Beneficiaries: the people followed. Closed fields and dates only."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import InvalidInput
from parcours_engine.persistence.models import Beneficiary

QUALIFICATION_LEVELS = ("VI", "Vbis", "V", "IV", "III", "II", "I")


def create_beneficiary(
    session: Session,
    clock: Clock,
    *,
    last_name: str,
    first_name: str,
    birth_date: date,
    sex: str,
    qualification_level: str | None = None,
    priority_district: bool = False,
    departement: str | None = None,
    territory: str | None = None,
    ase: bool = False,
    mna: bool = False,
    identifier: str | None = None,
    structure_id: int | None = None,
) -> Beneficiary:
    errors: dict[str, list[str]] = {}
    if sex not in ("F", "M"):
        errors["sex"] = ["must be F or M"]
    if qualification_level is not None and qualification_level not in QUALIFICATION_LEVELS:
        errors["qualification_level"] = [f"must be one of {', '.join(QUALIFICATION_LEVELS)}"]
    if not last_name.strip() or not first_name.strip():
        errors["last_name" if not last_name.strip() else "first_name"] = ["required"]
    if birth_date > clock.now().date():
        errors["birth_date"] = ["cannot be in the future"]
    if errors:
        raise InvalidInput("some fields are invalid", errors)
    person = Beneficiary(
        identifier=identifier or _next_identifier(session, clock),
        last_name=last_name.strip(),
        first_name=first_name.strip(),
        birth_date=birth_date,
        sex=sex,
        qualification_level=qualification_level,
        priority_district=priority_district,
        departement=departement,
        territory=territory,
        ase=ase,
        mna=mna,
        created_at=clock.now(),
        structure_id=structure_id,
    )
    session.add(person)
    session.flush()
    return person


def _next_identifier(session: Session, clock: Clock) -> str:
    count = session.scalar(select(func.count(Beneficiary.id))) or 0
    return f"PE-{clock.now().year}-{count + 1:06d}"
