"""One field name, one meaning, across a programme and the blocks it calls.

A form's answers land in the task data under their field names, and call activities hand the whole
data to their blocks and back: two forms of one programme that use the same name write the same
value. Shared blocks own the names of their forms (`duree_contrat_mois` is the job's length in months,
from the shared `emploi` form); a programme's form that reuses one with another type or format (a
date where the block keeps a number) would overwrite it, and a script reading it would fail later, on
a real pathway. The host owns the names it sets itself (the person's data at start, `date_entree` at
opening). These checks refuse both at publish, on the form that reuses the name.

Meaning is judged by the value's shape (JSON type, date format, items of a list): two closed lists of
the same kind (two lists of partners) are the same meaning with other choices, and stay allowed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from parcours_engine.domain.errors import ModelProblem

# What the host puts in the data at start (pathways.beneficiary_data), as a form would describe it.
HOST_FIELDS: dict[str, tuple[str, str | None]] = {
    "date_naissance": ("string", "date"),
    "sexe": ("string", None),
    "niveau_qualification": ("string", None),
    "quartier_prioritaire": ("boolean", None),
    "departement": ("string", None),
    "territoire": ("string", None),
    "ase": ("boolean", None),
    "mna": ("boolean", None),
    "programme_code": ("string", None),
}

# Names no form may use: the value means something else to every programme (why, and the way out:
# the catalogue's check.field_reserved.NAME).
RESERVED_FIELDS = frozenset({"date_entree", "programme_code"})


@dataclass(frozen=True)
class _Owner:
    form: str
    shared: bool
    shape: tuple[Any, ...]


def field_problems(
    forms: Iterable[str], shared: frozenset[str], form_files: Mapping[str, bytes]
) -> list[ModelProblem]:
    """Problems of the forms one programme fills (its own and its blocks'): names reused with another
    shape, reserved names, the host's names with another type. `shared`: the forms of blocks and those
    several programmes name, which own their names."""
    problems: list[ModelProblem] = []
    owners: dict[str, _Owner] = {}
    # The shared forms first: they own their names; then the programme's own, in a stable order.
    for form in sorted(set(forms), key=lambda name: (name not in shared, name)):
        text, schema = _schema(form_files.get(form))
        if schema is None:
            continue  # unreadable: reported by the form checks
        for field, spec in _fields(schema):
            found = _field_message(field, spec, form, form in shared, owners)
            if found is not None:
                code, params = found
                problems.append(
                    ModelProblem.coded(form, _line(text, field), f"#/properties/{field}", code, **params)
                )
    return problems


def _field_message(
    field: str, spec: dict[str, Any], form: str, shared: bool, owners: dict[str, _Owner]
) -> tuple[str, dict[str, Any]] | None:
    """The problem of one field (a catalogue code and its parameters), or None."""
    if field in RESERVED_FIELDS:
        return f"check.field_reserved.{field}", {"field": repr(field)}
    shape = _shape(spec)
    host = HOST_FIELDS.get(field)
    if host is not None and shape[:2] != host:
        return "check.field_host", {"field": repr(field), "host_kind": _kind(host), "here_kind": _kind(shape)}
    owner = owners.get(field)
    if owner is None:
        owners[field] = _Owner(form, shared, shape)
        return None
    if owner.shape == shape:
        return None
    code = "check.field_reused_shared" if owner.shared else "check.field_reused"
    return code, {
        "field": repr(field),
        "here_kind": _kind(shape),
        "other_kind": _kind(owner.shape),
        "whose": owner.form,
    }


def _schema(data: bytes | None) -> tuple[str, dict[str, Any] | None]:
    if data is None:
        return "", None
    try:
        text = data.decode("utf-8")
        schema = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return "", None
    return text, schema if isinstance(schema, dict) else None


def _fields(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    props = schema.get("properties")
    if not isinstance(props, dict):
        return []
    return [(name, spec) for name, spec in props.items() if isinstance(spec, dict)]


_JSON_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number"}


def _shape(spec: dict[str, Any]) -> tuple[Any, ...]:
    """The value's shape: (type, format, shape of the items); a closed list's type from its values."""
    kind = spec.get("type")
    if kind is None:
        choices, enum = spec.get("oneOf"), spec.get("enum")
        values = (
            [c["const"] for c in choices if isinstance(c, dict) and "const" in c]
            if isinstance(choices, list)
            else []
        )
        values += enum if isinstance(enum, list) else []
        kinds = {_JSON_TYPES.get(type(value)) for value in values}
        kind = kinds.pop() if len(kinds) == 1 else None
    if isinstance(kind, list):
        kind = tuple(sorted(str(k) for k in kind))
    items = spec.get("items")
    return (kind, spec.get("format"), _shape(items) if isinstance(items, dict) else None)


def _kind(shape: tuple[Any, ...]) -> str:
    """The shape's key in domain.check_messages.KINDS (`list:KEY` for a list), said by the catalogue."""
    kind, fmt = shape[0], shape[1]
    if fmt in ("date", "date-time"):
        return str(fmt)
    if kind == "array" and len(shape) > 2 and shape[2] is not None:
        return "list:" + _kind(shape[2]).removeprefix("list:")
    return str(kind)


def _line(text: str, field: str) -> int | None:
    """The line of the field's key under "properties" (the forms' usual layout)."""
    start = text.find('"properties"')
    found = text.find(json.dumps(field) + ":", max(start, 0))
    if found < 0:
        found = text.find(json.dumps(field), max(start, 0))
    return None if found < 0 else text.count("\n", 0, found) + 1
