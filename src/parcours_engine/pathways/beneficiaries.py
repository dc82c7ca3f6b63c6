"""Beneficiaries: the people followed. Closed fields and dates only."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.dates import date_error
from parcours_engine.domain.errors import ConflictError, FieldError, FieldErrors, InvalidInput
from parcours_engine.domain.names import name_key
from parcours_engine.domain.permissions import Action
from parcours_engine.persistence.models import Account, Beneficiary

QUALIFICATION_LEVELS = ("VI", "Vbis", "V", "IV", "III", "II", "I")
NAME_LIMIT = 120  # the columns' lengths: a longer value is refused, never cut or left to the database
TERRITORY_LIMIT = 40
MIN_AGE, MAX_AGE = 14, 100  # the people followed: from the first repérage of a teenager, in years
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
    today = clock.now().date()
    born = date_error(
        birth_date, earliest=_years_before(today, MAX_AGE), latest=_years_before(today, MIN_AGE)
    )
    if born is not None:  # a birth in 2031 or in 1850, or 2024 typed for 2004
        errors["birth_date"] = [born]
    if errors:
        raise InvalidInput(field_errors=errors)


@dataclass
class Duplicates:
    """The people already registered with the same names (spelling apart) and birth date: those the
    actor may find, and how many others are followed elsewhere (never who they are)."""

    visible: list[Beneficiary] = field(default_factory=list)
    elsewhere: int = 0

    def __bool__(self) -> bool:
        return bool(self.visible) or self.elsewhere > 0


class DuplicateSuspected(ConflictError):
    """A registration that looks like a person already registered: confirm it, or open theirs."""

    default_code = "person.duplicate"

    def __init__(self, duplicates: Duplicates) -> None:
        super().__init__(self.default_code)
        self.duplicates = duplicates


def possible_duplicates(
    session: Session, actor: Account, last_name: str, first_name: str, birth_date: date
) -> Duplicates:
    """Who is already registered under these names (accents, case, hyphens and spaces apart) and
    birth date, through the indexed key; at most a few, so read once."""
    query = select(Beneficiary).where(
        Beneficiary.name_key == name_key(last_name, first_name), Beneficiary.birth_date == birth_date
    )
    found = list(session.scalars(query.order_by(Beneficiary.id).limit(20)))
    if not found:
        return Duplicates()
    visible_ids = set(
        session.scalars(
            select(Beneficiary.id).where(
                Beneficiary.id.in_([person.id for person in found]),
                access.beneficiary_filter(actor, Action.SEARCH_PEOPLE),
            )
        )
    )
    visible = [person for person in found if person.id in visible_ids]
    return Duplicates(visible, len(found) - len(visible))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February of a year that has none
        return day.replace(year=day.year - years, day=28)


def register(
    session: Session,
    clock: Clock,
    actor: Account,
    route: str,
    *,
    confirm_duplicate: bool = False,
    **fields: Any,
) -> Beneficiary:
    """`actor` registers a person in its structure (REGISTER_PERSON); logged once. A person already
    registered with the same names and birth date stops it (DuplicateSuspected, listing those the
    actor may see) unless `confirm_duplicate` says it is someone else."""
    access.require(actor, Action.REGISTER_PERSON)
    check_identity(
        clock,
        last_name=fields["last_name"],
        first_name=fields["first_name"],
        birth_date=fields["birth_date"],
        sex=fields["sex"],
        qualification_level=fields.get("qualification_level"),
        departement=fields.get("departement"),
        territory=fields.get("territory"),
    )
    if not confirm_duplicate:
        found = possible_duplicates(
            session, actor, fields["last_name"], fields["first_name"], fields["birth_date"]
        )
        if found:
            access.log_list(session, clock, actor, route, len(found.visible))
            raise DuplicateSuspected(found)
    person = create_beneficiary(session, clock, **fields, structure_id=actor.structure_id)
    access.log(session, clock, actor, person.id, None, Action.REGISTER_PERSON, route)
    return person


def _next_identifier(session: Session, clock: Clock) -> str:
    count = session.scalar(select(func.count(Beneficiary.id))) or 0
    return f"PE-{clock.now().year}-{count + 1:06d}"
