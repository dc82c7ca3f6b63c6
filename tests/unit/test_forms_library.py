"""Every form of forms/ accepts a complete answer and rejects wrong data, field by field.

Through pathways.forms.validate, the function complete_work_item calls: for each form, a value of
the wrong type in each field, each required field left out, and a value outside each closed list
(enum, oneOf of consts, const, items of a multiple choice, fields of a nested object) give
InvalidInput naming that field. The bad values are derived from the schemas, so a new form is
covered as soon as it is added.

No form invites a narrative: a string that is not a date, a closed list or a code (an anchored
`pattern`, e.g. the ROME code `^[A-N][0-9]{4}$`) is free text, at most 200 characters, and carries
the legal warning `x-avertissement` that the form shows next to it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from parcours_engine.domain.errors import FieldError, InvalidInput
from parcours_engine.engine.loader import ProcessModel, load_library, read_library_dir
from parcours_engine.pathways import forms
from tests.conftest import REPO

FORM_FILES = sorted(path.name for path in (REPO / "forms").glob("*.schema.json"))
CODE_PATTERNS = {"^[A-N][0-9]{4}$": "K2111"}  # anchored patterns: codes, not text
VALID_DATE = "2026-01-05"


@pytest.fixture(scope="module")
def model_of() -> dict[str, ProcessModel]:
    """A programme whose version carries each form (what complete_work_item validates with)."""
    library = load_library(*read_library_dir(REPO / "processes", REPO / "forms"))
    found: dict[str, ProcessModel] = {}
    for model in library.programmes.values():
        for name in model.forms:
            found.setdefault(name, model)
    return found


def schema_of(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((REPO / "forms" / name).read_text(encoding="utf-8"))
    return loaded


def closed_values(spec: dict[str, Any]) -> list[Any] | None:
    if "const" in spec:
        return [spec["const"]]
    if "enum" in spec:
        return list(spec["enum"])
    if "oneOf" in spec and all("const" in choice for choice in spec["oneOf"]):
        return [choice["const"] for choice in spec["oneOf"]]
    return None


def valid_value(spec: dict[str, Any]) -> Any:
    """A value the property accepts: the first of a closed list, a date, a code, a short name."""
    values = closed_values(spec)
    if values is not None:
        return values[0]
    kind = spec.get("type")
    if kind == "object":
        return complete_answer(spec)
    if kind == "array":
        return [valid_value(spec["items"])]
    if kind == "boolean":
        return True
    if kind == "integer":
        return spec.get("minimum", 0)
    assert kind == "string", f"unexpected property type {kind!r}"
    if spec.get("format") == "date":
        return VALID_DATE
    if "pattern" in spec:
        return CODE_PATTERNS[spec["pattern"]]
    return "Entreprise Martin"[: spec.get("maxLength", 17)]


def complete_answer(schema: dict[str, Any]) -> dict[str, Any]:
    """Every property answered: satisfies the conditional requirements (allOf/if/then/else) too."""
    return {name: valid_value(spec) for name, spec in schema.get("properties", {}).items()}


def wrong_type(spec: dict[str, Any]) -> Any:
    return {"string": 12345, "boolean": "oui", "integer": "douze", "array": "x", "object": "x"}[spec["type"]]


def outside_list(values: list[Any]) -> Any:
    sample = values[0]
    if isinstance(sample, bool):
        return not sample if len(values) == 1 else None
    if isinstance(sample, int):
        return max(values) + 1
    return "valeur_hors_liste"


def closed_fields(schema: dict[str, Any], prefix: str = "") -> list[tuple[str, list[str], Any]]:
    """(field path, path to set, bad value) for every closed list, nested ones included."""
    found = []
    for name, spec in schema.get("properties", {}).items():
        path = f"{prefix}{name}"
        values = closed_values(spec)
        if values is not None:
            found.append((path, [name], outside_list(values)))
        elif spec.get("type") == "array" and closed_values(spec["items"]) is not None:
            found.append((f"{path}.0", [name], [outside_list(closed_values(spec["items"]) or [])]))
        elif spec.get("type") == "object":
            found += [(p, [name, *keys], bad) for p, keys, bad in closed_fields(spec, f"{path}.")]
    return found


def set_path(data: dict[str, Any], keys: list[str], value: Any) -> dict[str, Any]:
    changed = json.loads(json.dumps(data))
    target = changed
    for key in keys[:-1]:
        target = target[key]
    target[keys[-1]] = value
    return changed


def rejected(model: ProcessModel, form: str, data: dict[str, Any]) -> dict[str, list[FieldError]]:
    with pytest.raises(InvalidInput) as caught:
        forms.validate(model, form, data)
    return caught.value.field_errors


def test_every_form_is_used_by_a_programme(model_of):
    assert sorted(set(FORM_FILES) - set(model_of)) == []


@pytest.mark.parametrize("form", FORM_FILES)
def test_accepts_a_complete_answer(model_of, form):
    answer = complete_answer(schema_of(form))
    assert forms.validate(model_of[form], form, answer) == answer


@pytest.mark.parametrize("form", FORM_FILES)
def test_rejects_a_wrong_type_in_each_field(model_of, form):
    schema = schema_of(form)
    answer = complete_answer(schema)
    for name, spec in schema["properties"].items():
        errors = rejected(model_of[form], form, {**answer, name: wrong_type(spec)})
        assert name in errors, f"{form}: {name} accepted {wrong_type(spec)!r}"


@pytest.mark.parametrize("form", FORM_FILES)
def test_rejects_each_missing_required_field(model_of, form):
    schema = schema_of(form)
    answer = complete_answer(schema)
    assert schema["required"], f"{form} requires nothing"
    for name in schema["required"]:
        incomplete = {key: value for key, value in answer.items() if key != name}
        assert rejected(model_of[form], form, incomplete).get(name) == [FieldError("field.required")], (
            f"{form}: {name}"
        )


@pytest.mark.parametrize("form", FORM_FILES)
def test_rejects_a_value_outside_each_closed_list(model_of, form):
    schema = schema_of(form)
    answer = complete_answer(schema)
    cases = [case for case in closed_fields(schema) if case[2] is not None]
    for path, keys, bad in cases:
        errors = rejected(model_of[form], form, set_path(answer, keys, bad))
        assert path in errors, f"{form}: {path} accepted {bad!r}; errors: {errors}"


def _coded(spec: dict[str, Any]) -> bool:
    return "format" in spec or "oneOf" in spec or "pattern" in spec


def free_text_fields(schema: dict[str, Any], prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, spec in schema.get("properties", {}).items():
        if spec.get("type") == "object":
            found += free_text_fields(spec, f"{prefix}{name}.")
        elif spec.get("type") == "string" and closed_values(spec) is None and not _coded(spec):
            found.append((f"{prefix}{name}", spec))
    return found


@pytest.mark.parametrize("form", FORM_FILES)
def test_no_unbounded_free_text(form):
    schema = schema_of(form)
    assert schema.get("additionalProperties") is False, f"{form} accepts fields it does not name"
    for path, spec in free_text_fields(schema):
        assert 0 < spec.get("maxLength", 10**6) <= 200, f"{form}: {path} is unbounded free text"
        assert spec.get("x-avertissement"), f"{form}: {path} is free text without the legal warning"


def test_code_patterns_are_anchored():
    patterns = {
        spec["pattern"]
        for form in FORM_FILES
        for _, spec in _all_properties(schema_of(form))
        if "pattern" in spec
    }
    assert patterns <= set(CODE_PATTERNS), patterns


def _all_properties(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, spec in schema.get("properties", {}).items():
        found.append((name, spec))
        if spec.get("type") == "object":
            found += _all_properties(spec)
    return found
