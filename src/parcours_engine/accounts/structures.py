"""The structures a département's admin manages (missions locales, CSP teams, partners): listed with
how many accounts each has, created with a code that never changes afterwards, renamed; each change
in the administration's journal (`admin_journal`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parcours_engine.accounts import accounts
from parcours_engine.accounts.admin_journal import record, require_admin
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import FieldError, FieldErrors, InvalidInput, NotFound
from parcours_engine.persistence.models import Account, Structure

_CODE = re.compile(r"[a-z0-9][a-z0-9_-]{1,39}")  # structure codes: ml_nord, csp-moulins


@dataclass(frozen=True)
class StructureRow:
    structure: Structure
    accounts: int


def list_structures(session: Session) -> list[StructureRow]:
    """Every structure by code, with how many accounts it has."""
    counts = (
        select(Account.structure_id, func.count(Account.id).label("n"))
        .group_by(Account.structure_id)
        .subquery()
    )
    rows = session.execute(
        select(Structure, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.structure_id == Structure.id)
        .order_by(Structure.code)
    )
    return [StructureRow(structure, int(n)) for structure, n in rows]


def get_structure(session: Session, structure_id: int) -> Structure:
    structure = session.get(Structure, structure_id)
    if structure is None:
        raise NotFound("structure.not_found", id=structure_id)
    return structure


def create_structure(
    session: Session, clock: Clock, actor: Account, *, code: str, name: str, kind: str
) -> Structure:
    require_admin(actor)
    code, name = code.strip(), name.strip()
    errors: FieldErrors = {}
    if not code:
        errors["code"] = [FieldError("field.required")]
    elif not _CODE.fullmatch(code):
        errors["code"] = [FieldError("field.pattern")]
    elif session.scalar(select(Structure.id).where(Structure.code == code)) is not None:
        errors["code"] = [FieldError("field.taken")]
    _check_name(name, errors)
    if kind not in accounts.STRUCTURE_KINDS:
        errors["kind"] = [FieldError("field.choice")]
    if errors:
        raise InvalidInput(field_errors=errors)
    structure = Structure(code=code, name=name, kind=kind)
    session.add(structure)
    session.flush()
    changes = {"code": [None, code], "name": [None, name], "kind": [None, kind]}
    record(session, clock, actor, "structure_created", structure_id=structure.id, changes=changes)
    return structure


def rename_structure(session: Session, clock: Clock, actor: Account, structure_id: int, name: str) -> None:
    require_admin(actor)
    structure = get_structure(session, structure_id)
    name = name.strip()
    errors: FieldErrors = {}
    _check_name(name, errors)
    if errors:
        raise InvalidInput(field_errors=errors)
    if name == structure.name:
        return
    changes = {"name": [structure.name, name]}
    structure.name = name
    record(session, clock, actor, "structure_renamed", structure_id=structure.id, changes=changes)


def _check_name(name: str, errors: FieldErrors) -> None:
    if not name:
        errors["name"] = [FieldError("field.required")]
    elif len(name) > 200:
        errors["name"] = [FieldError("field.too_long", limit=200)]
