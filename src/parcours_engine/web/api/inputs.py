"""What the API reads from a request, checked before any use case runs: the JSON body's fields, each of
its expected type and text within its limit (what the OpenAPI document declares), and the query
string's filters (bounded text, dates, a value of a closed list, an id of 1 or more). Every refusal is
an InvalidInput naming each field, never a 500 from the database."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from flask import request

from parcours_engine.domain.dates import date_error, parse_date, read_date
from parcours_engine.domain.errors import FieldError, FieldErrors, InvalidInput

MAX_TEXT = 200  # characters of a text field
# What a field of each type must be, when it is not.
_TYPE_ERRORS = {int: "field.integer", str: "field.text", bool: "field.boolean", dict: "field.object"}


def json_body(
    required: dict[str, type], optional: dict[str, type], limits: dict[str, int] | None = None
) -> dict[str, Any]:
    """The JSON object posted, with each field of the expected type and text within its limit in
    characters (`limits`, MAX_TEXT by default: the OpenAPI document says the same); InvalidInput
    otherwise."""
    raw = request.get_json(silent=True)
    if not isinstance(raw, dict):
        raise InvalidInput("error.json_body")
    errors: FieldErrors = {}
    data: dict[str, Any] = {}
    for name, kind in {**required, **optional}.items():
        if name not in raw or raw[name] is None:
            if name in required:
                errors[name] = [FieldError("field.required")]
            continue
        problem = _problem(raw[name], kind, (limits or {}).get(name, MAX_TEXT))
        if problem is not None:
            errors[name] = [problem]
        else:
            data[name] = read_date(raw[name]) if kind is date else _whole(raw[name], kind)
    for name in set(raw) - set(required) - set(optional):
        errors[str(name)] = [FieldError("field.unknown")]
    if errors:
        raise InvalidInput(field_errors=errors)
    return data


def _whole(value: Any, kind: type) -> Any:
    """JSON does not tell 3 from 3.0 (JSON Schema calls both integers): an integer field takes both."""
    return int(value) if kind is int and isinstance(value, float) else value


def _problem(value: Any, kind: type, limit: int) -> FieldError | None:
    """What is wrong with `value` as a field of type `kind`, or None."""
    if kind is date:
        return date_error(value)
    if kind is int and isinstance(value, float) and value.is_integer():
        value = int(value)
    if kind is int and (
        isinstance(value, bool) or not isinstance(value, int) or not -(2**31) < value < 2**31
    ):
        return FieldError("field.integer")
    if kind is str and isinstance(value, str):
        if "\x00" in value:  # PostgreSQL cannot store it: a 400 here, not a 500 from the database
            return FieldError("field.invalid")
        if not value.strip():
            return FieldError("field.required")
        if len(value) > limit:
            return FieldError("field.too_long", limit=limit)
    return None if isinstance(value, kind) else FieldError(_TYPE_ERRORS.get(kind, "field.invalid"))


def one_of(value: str | None, name: str, choices: Sequence[str]) -> None:
    """A filter of the query string is absent or one of `choices`; InvalidInput otherwise."""
    if value is not None and value not in choices:
        raise InvalidInput(field_errors={name: [FieldError("field.one_of", choices=", ".join(choices))]})


def positive(value: int | None, name: str) -> int | None:
    """An id filter is 1 or more (the document's `minimum`)."""
    if value is not None and value < 1:
        raise InvalidInput(field_errors={name: [FieldError("field.integer")]})
    return value


def query_date(name: str) -> date | None:
    return parse_date(request.args.get(name), name, required=False)


def query_bounds(limits: dict[str, int], dates: Sequence[str] = ()) -> None:
    """InvalidInput for a text filter longer than its limit, or a date filter given empty (the
    OpenAPI document says the same: `maxLength`, `format: date`)."""
    errors: FieldErrors = {
        name: [FieldError("field.too_long", limit=limit)]
        for name, limit in limits.items()
        if len(request.args.get(name) or "") > limit
    }
    errors.update({name: [FieldError("field.date")] for name in dates if request.args.get(name) == ""})
    # PostgreSQL cannot compare text holding a NUL character: a 400 here, not a 500 from the database.
    errors.update(
        {name[:64]: [FieldError("field.invalid")] for name, value in request.args.items() if "\x00" in value}
    )
    if errors:
        raise InvalidInput(field_errors=errors)
