"""Validate a task's submitted data against its form's JSON Schema, with errors per field.

Every error is found in one pass: the schema's own keywords (required, type, format, bounds) and the
date rules of the house keywords, so a person sees all of them after one submission:
- `"x-not-future": true` on a date field: an event that already happened (a diagnostic, a signature)
  cannot be dated after today (the injected clock's day in Paris);
- `"x-not-before": "other_field"` on a date field: it cannot be before that sibling date (an end
  before its start).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry

from parcours_engine.domain.dates import read_date
from parcours_engine.domain.errors import FieldError, InvalidInput, NotFound, ParcoursError
from parcours_engine.engine import form_checks
from parcours_engine.engine.loader import ProcessModel

# SpiffWorkflow's deserializer treats a data key named "typename" as an object marker.
_RESERVED = frozenset({"typename"})


class FormUnusable(ParcoursError):
    """The form itself cannot validate anything (broken schema, unresolvable `$ref`): fix the model."""

    http_status = 422
    default_code = "task.form_unusable"

    def __init__(self, form: str, detail: str) -> None:
        super().__init__(self.default_code, form=form, detail=detail)

    def __str__(self) -> str:
        return f"form {self.params['form']}: {self.params['detail']}"


@lru_cache(maxsize=512)
def _validator(schema_text: str) -> Draft202012Validator:
    # An empty registry: a `$ref` outside the form itself never reaches a file or the network
    # (jsonschema's default resolver would open `file:///etc/passwd`); it fails, and the model with it.
    schema = json.loads(schema_text)
    # A version published before the check existed may hold a pattern that backtracks for hours on a
    # crafted answer (Python's `re` cannot be interrupted): such a form is unusable, never run.
    for problem in form_checks.form_problems(schema):
        raise ValueError(f"{problem.where}: {problem.message}")
    return Draft202012Validator(schema, format_checker=FormatChecker(), registry=Registry())


def schema(model: ProcessModel, form: str) -> dict[str, Any]:
    """The JSON Schema of a form of this model's version."""
    try:
        loaded: dict[str, Any] = json.loads(model.forms[form])
    except KeyError:
        raise NotFound("task.form_missing", form=form) from None
    return loaded


def validate(
    model: ProcessModel, form: str | None, data: Mapping[str, Any], today: date | None = None
) -> dict[str, Any]:
    """The data to store, or InvalidInput listing every field error. Nothing is saved on error.

    `today` (the clock's day) enables `x-not-future`; without it only the other rules apply."""
    if not isinstance(data, Mapping):
        raise InvalidInput("error.json_body")
    if form is None:
        if data:
            raise InvalidInput("task.takes_no_data")
        return {}
    bad_keys = _RESERVED.intersection(data)
    if bad_keys:
        raise InvalidInput(field_errors={key: [FieldError("field.unknown")] for key in bad_keys})
    if form not in model.forms:
        raise NotFound("task.form_missing", form=form)
    try:
        text = model.forms[form].decode()
        errors = _errors(_validator(text), data)
        for field, found in date_rule_errors(json.loads(text), data, today).items():
            errors.setdefault(field, []).extend(code for code in found if code not in errors[field])
    except Exception as exc:  # the schema is broken: no input can pass, the model must be fixed
        raise FormUnusable(form, f"{type(exc).__name__}: {str(exc)[:300]}") from exc
    if errors:
        raise InvalidInput(field_errors=errors)
    return dict(data)


def _errors(validator: Draft202012Validator, data: Mapping[str, Any]) -> dict[str, list[FieldError]]:
    errors: dict[str, list[FieldError]] = {}
    for error in validator.iter_errors(dict(data)):
        for field in _fields_of(error):
            found = errors.setdefault(field, [])
            code = field_error(error)
            if code not in found:  # one `required` error per missing field, or one for all
                found.append(code)
    return errors


def date_rule_errors(
    schema: Mapping[str, Any], data: Any, today: date | None, prefix: str = ""
) -> dict[str, list[FieldError]]:
    """The errors of the `x-not-future` and `x-not-before` date rules, per (dotted) field."""
    errors: dict[str, list[FieldError]] = {}
    properties = schema.get("properties")
    if not isinstance(data, Mapping) or not isinstance(properties, Mapping):
        return errors
    for name, spec in properties.items():
        if not isinstance(spec, Mapping) or name not in data:
            continue
        if spec.get("type") == "object":
            errors.update(date_rule_errors(spec, data[name], today, f"{prefix}{name}."))
            continue
        value = read_date(data[name]) if isinstance(data[name], str) else None
        if value is None:
            continue  # not a date: `format` says so
        if spec.get("x-not-future") is True and today is not None and value > today:
            limit = today.strftime("%d/%m/%Y")
            errors.setdefault(prefix + name, []).append(FieldError("field.date_before", limit=limit))
        other = spec.get("x-not-before")
        start = read_date(data.get(other)) if isinstance(other, str) else None
        if start is not None and value < start:
            errors.setdefault(prefix + name, []).append(FieldError("field.period_reversed"))
    return errors


def _fields_of(error: Any) -> list[str]:
    """The fields an error belongs to: its path, or the missing properties for `required`."""
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [str(p) for p in error.validator_value if p not in error.instance]
        return [f"{path}.{name}" if path else name for name in missing] or [path or "__all__"]
    return [path or "__all__"]


_TYPES = {"integer": "field.integer", "number": "field.number", "boolean": "field.boolean"}
_CHOICES = frozenset({"enum", "const", "oneOf", "anyOf"})


def field_error(error: Any) -> FieldError:
    """A jsonschema error as a field-error code of the catalogue (never its English sentence)."""
    keyword, value = error.validator, error.validator_value
    if keyword == "required":
        return FieldError("field.required")
    if keyword == "type":
        kinds = value if isinstance(value, list) else [value]
        return FieldError(next((_TYPES[k] for k in kinds if k in _TYPES), "field.text"))
    if keyword in _CHOICES:
        return FieldError("field.choice")
    if keyword == "format" and value == "date":
        return FieldError("field.date")
    if keyword in ("minimum", "exclusiveMinimum"):
        return FieldError("field.minimum", limit=value)
    if keyword in ("maximum", "exclusiveMaximum"):
        return FieldError("field.maximum", limit=value)
    if keyword == "maxLength":
        return FieldError("field.too_long", limit=value)
    if keyword == "minLength":
        return FieldError("field.too_short")
    if keyword == "pattern":
        return FieldError("field.pattern")
    if keyword == "additionalProperties":
        return FieldError("field.unknown")
    return FieldError("field.invalid")
