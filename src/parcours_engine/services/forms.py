"""Validate a task's submitted data against its form's JSON Schema, with errors per field."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from parcours_engine.domain.errors import InvalidInput, NotFound
from parcours_engine.engine.loader import ProcessModel

# SpiffWorkflow's deserializer treats a data key named "typename" as an object marker.
_RESERVED = frozenset({"typename"})


@lru_cache(maxsize=512)
def _validator(schema_text: str) -> Draft202012Validator:
    return Draft202012Validator(json.loads(schema_text), format_checker=FormatChecker())


def schema(model: ProcessModel, form: str) -> dict[str, Any]:
    """The JSON Schema of a form of this model's version."""
    try:
        loaded: dict[str, Any] = json.loads(model.forms[form])
    except KeyError:
        raise NotFound(f"form {form!r} is not part of this programme version") from None
    return loaded


def validate(model: ProcessModel, form: str | None, data: Mapping[str, Any]) -> dict[str, Any]:
    """The data to store, or InvalidInput listing every field error. Nothing is saved on error."""
    if not isinstance(data, Mapping):
        raise InvalidInput("the task's data must be an object")
    if form is None:
        if data:
            raise InvalidInput("this task has no form and takes no data")
        return {}
    bad_keys = _RESERVED.intersection(data)
    if bad_keys:
        raise InvalidInput("reserved field name", {key: ["reserved name"] for key in bad_keys})
    if form not in model.forms:
        raise NotFound(f"form {form!r} is not part of this programme version")
    validator = _validator(model.forms[form].decode())
    errors: dict[str, list[str]] = {}
    for error in validator.iter_errors(dict(data)):
        for field in _fields_of(error):
            messages = errors.setdefault(field, [])
            if _message(error) not in messages:  # one `required` error per missing field, or one for all
                messages.append(_message(error))
    if errors:
        raise InvalidInput("some fields are invalid", errors)
    return dict(data)


def _fields_of(error: Any) -> list[str]:
    """The fields an error belongs to: its path, or the missing properties for `required`."""
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [str(p) for p in error.validator_value if p not in error.instance]
        return [f"{path}.{name}" if path else name for name in missing] or [path or "__all__"]
    return [path or "__all__"]


def _message(error: Any) -> str:
    if error.validator == "required":
        return "required"
    return str(error.message)
