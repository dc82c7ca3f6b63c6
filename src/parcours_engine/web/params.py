"""Reading request parameters that must be whole numbers: a field error, never a 500."""

from __future__ import annotations

from collections.abc import Mapping

from parcours_engine.domain.errors import FieldError, InvalidInput


def whole_number(values: Mapping[str, str], name: str) -> int | None:
    """`values[name]` as a non-negative int, None when absent or empty; at most 9 digits, so that no
    database integer overflows."""
    raw = (values.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 9:
        raise InvalidInput(field_errors={name: [FieldError("field.integer")]})
    return int(raw)


def required_whole_number(values: Mapping[str, str], name: str) -> int:
    found = whole_number(values, name)
    if found is None:
        raise InvalidInput(field_errors={name: [FieldError("field.required")]})
    return found
