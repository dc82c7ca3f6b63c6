"""Beneficiaries: the people followed. Closed fields and dates only."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.dates import date_error
from parcours_engine.domain.errors import FieldError, FieldErrors, InvalidInput
from parcours_engine.domain.permissions import Action
from parcours_engine.persistence.models import Account, Beneficiary

QUALIFICATION_LEVELS = ("VI", "Vbis", "V", "IV", "III", "II", "I")
NAME_LIMIT = 120  # the columns' lengths: a longer value is refused, never cut or left to the database
TERRITORY_LIMIT = 40
_DEPARTEMENT = re.compile(r"\d{2,3}|2[AB]")  # 03, 971, 2A


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
    check_identity(
        clock,
        last_name=last_name,
        first_name=first_name,
        birth_date=birth_date,
        sex=sex,
        qualification_level=qualification_level,
        departement=departement,
        territory=territory,
    )
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


def check_identity(
    clock: Clock,
    *,
    last_name: str,
    first_name: str,
    birth_date: date,
    sex: str,
    qualification_level: str | None,
    departement: str | None,
    territory: str | None,
) -> None:
    """InvalidInput naming each identity field that a person's file may not hold."""
    errors: FieldErrors = {}
    if sex not in ("F", "M"):
        errors["sex"] = [FieldError("field.choice")]
    if qualification_level is not None and qualification_level not in QUALIFICATION_LEVELS:
        errors["qualification_level"] = [FieldError("field.choice")]
    for name, value in (("last_name", last_name), ("first_name", first_name)):
        if not value.strip():
            errors[name] = [FieldError("field.required")]
        elif len(value.strip()) > NAME_LIMIT:
            errors[name] = [FieldError("field.too_long", limit=NAME_LIMIT)]
    if departement is not None and not _DEPARTEMENT.fullmatch(departement):
        errors["departement"] = [FieldError("person.departement")]
    if territory is not None and len(territory) > TERRITORY_LIMIT:
        errors["territory"] = [FieldError("field.too_long", limit=TERRITORY_LIMIT)]
    if (future := date_error(birth_date, latest=clock.now().date())) is not None:
        errors["birth_date"] = [future]
    if errors:
        raise InvalidInput(field_errors=errors)


def register(session: Session, clock: Clock, actor: Account, route: str, **fields: Any) -> Beneficiary:
    """`actor` registers a person in its structure (REGISTER_PERSON); logged once."""
    access.require(actor, Action.REGISTER_PERSON)
    person = create_beneficiary(session, clock, **fields, structure_id=actor.structure_id)
    access.log(session, clock, actor, person.id, None, Action.REGISTER_PERSON, route)
    return person


def _next_identifier(session: Session, clock: Clock) -> str:
    count = session.scalar(select(func.count(Beneficiary.id))) or 0
    return f"PE-{clock.now().year}-{count + 1:06d}"
