"""Checks of a form file (`check_form_file`: JSON, a JSON Schema of an object, no `typename` field),
and of what a form schema makes the server do when it validates an answer.

A form's `pattern` runs in Python's backtracking regular expression engine on every answer: a
pattern with nested repetitions (`^(a+)+$`) takes exponential time on a crafted answer and cannot be
interrupted, so it is refused at publish. A `$ref` outside the form (`file:///etc/passwd`, a URL)
would read a file or the network: only references inside the form (`#/...`) are accepted.

A form must not invite a narrative about a person's life (the person may read every answer, and the
law asks for closed lists and dates rather than free comments): a free-text string, one that is not
a closed list (`enum`, `const`, `oneOf`/`anyOf`), a `format` (dates...) or a code (an anchored
`pattern`), needs a `maxLength` of at most FREE_TEXT_MAX_LENGTH and the legal warning the task form
shows next to it (`x-avertissement`). Refused at check and publish only (`free_text_problems`): a
version already published stays usable.

The date rules a form may carry (validated with the answers by pathways.forms) must name what they
mean: `"x-not-future": true` on a date field (`"format": "date"`), `"x-not-before"` on a date field,
naming another date field of the same object (`date_rules_problems`, refused at check and publish).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from re import _constants as sre  # type: ignore[attr-defined]  # the parser of `re`, to read a pattern
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any, NamedTuple

from parcours_engine.domain.errors import ModelProblem
from parcours_engine.domain.messages import render
from parcours_engine.engine.script_messages import json_error, library_words
from parcours_engine.engine.xml import DOCUMENT

FREE_TEXT_MAX_LENGTH = 200
WARNING_KEY = "x-avertissement"
_CLOSED_KEYS = ("enum", "const", "oneOf", "anyOf", "format")
_VALUE_KEYS = frozenset({"enum", "const", "default", "examples"})  # data, not subschemas
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}


class Problem(NamedTuple):
    """What is wrong at a place of a form schema: a catalogue code (domain.check_messages)."""

    where: str  # JSON pointer
    code: str
    params: dict[str, Any]

    @property
    def message(self) -> str:
        """In English, as `processes check` prints it."""
        return render(self.code, self.params, "en")


def walk(schema: Any, path: str = "#") -> Iterator[tuple[str, str, Any]]:
    """(JSON pointer, key, value) for every key of every object in the schema."""
    stack = [(schema, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            for key, value in node.items():
                yield f"{where}/{key}", str(key), value
                stack.append((value, f"{where}/{key}"))
        elif isinstance(node, list):
            stack.extend((value, f"{where}/{i}") for i, value in enumerate(node))


def pattern_problem(pattern: str) -> str | None:
    """Why `pattern` must not run on answers (invalid, or catastrophic backtracking), in English,
    else None."""
    found = _pattern_problem(pattern)
    return None if found is None else found.message


def _pattern_problem(pattern: str) -> Problem | None:
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return Problem("", "check.regex_invalid", {"detail": library_words("regex", str(exc))})
    if _nested_repeat(parsed):
        return Problem("", "check.regex_nested", {"pattern": repr(pattern)})
    return None


def _nested_repeat(parsed: Any) -> bool:
    """A repetition (more than once) inside another repetition, at any depth."""
    stack: list[tuple[Any, bool]] = [(parsed, False)]
    while stack:
        items, inside = stack.pop()
        for op, arg in items:
            if op in _REPEATS:
                _low, high, body = arg
                repeats = high is sre.MAXREPEAT or high > 1
                if repeats and inside:
                    return True
                stack.append((body, inside or repeats))
            elif op is sre.SUBPATTERN:
                stack.append((arg[-1], inside))
            elif op is sre.BRANCH:
                stack.extend((branch, inside) for branch in arg[1])
            elif op in (sre.ASSERT, sre.ASSERT_NOT):
                stack.append((arg[1], inside))
    return False


def form_problems(schema: Any) -> Iterator[Problem]:
    """(JSON pointer, code, parameters) for each unsafe pattern and each reference outside the form."""
    for where, key, value in walk(schema):
        if key == "pattern" and isinstance(value, str):
            problem = _pattern_problem(value)
            if problem:
                yield problem._replace(where=where)
        elif key == "patternProperties" and isinstance(value, dict):
            for name in value:
                problem = _pattern_problem(str(name))
                if problem:
                    yield problem._replace(where=f"{where}/{name}")
        elif key in ("$ref", "$dynamicRef") and isinstance(value, str) and not value.startswith("#"):
            yield Problem(where, "check.outside_reference", {"reference": repr(value)})


def free_text_problems(schema: Any) -> Iterator[Problem]:
    """(JSON pointer, code, parameters) for each free-text string without a bound or the warning."""
    for where, node in _subschemas(schema, "#"):
        if where == "#" or not _is_free_text(node):
            continue
        bound = node.get("maxLength")
        if not isinstance(bound, int) or isinstance(bound, bool) or not 0 < bound <= FREE_TEXT_MAX_LENGTH:
            yield Problem(where, "check.free_text_bound", {"limit": FREE_TEXT_MAX_LENGTH})
        warning = node.get(WARNING_KEY)
        if not isinstance(warning, str) or not warning.strip():
            yield Problem(where, "check.free_text_warning", {"key": repr(WARNING_KEY)})


def _is_free_text(node: dict[str, Any]) -> bool:
    kind = node.get("type")
    if kind != "string" and not (isinstance(kind, list) and "string" in kind):
        return False
    if any(key in node for key in _CLOSED_KEYS):
        return False
    pattern = node.get("pattern")
    return not (isinstance(pattern, str) and pattern.startswith("^") and pattern.endswith("$"))


def _subschemas(schema: Any, path: str) -> Iterator[tuple[str, dict[str, Any]]]:
    """(JSON pointer, object) for every object of the schema, values of enum/const/default aside."""
    stack = [(schema, path)]
    while stack:
        node, where = stack.pop()
        if isinstance(node, dict):
            yield where, node
            stack.extend((v, f"{where}/{k}") for k, v in node.items() if k not in _VALUE_KEYS)
        elif isinstance(node, list):
            stack.extend((value, f"{where}/{i}") for i, value in enumerate(node))


def date_rules_problems(schema: Any) -> Iterator[Problem]:
    """(JSON pointer, code, parameters) for each `x-not-future` or `x-not-before` that cannot mean
    anything."""
    for where, node in _subschemas(schema, "#"):
        properties = node.get("properties")
        if not isinstance(properties, dict):
            continue
        for name, spec in properties.items():
            if not isinstance(spec, dict):
                continue
            at = f"{where}/properties/{name}"
            if "x-not-future" in spec and (spec["x-not-future"] is not True or not _is_date(spec)):
                yield Problem(f"{at}/x-not-future", "check.not_future_misused", {})
            if "x-not-before" in spec:
                other = spec["x-not-before"]
                sibling = properties.get(other) if isinstance(other, str) else None
                if (
                    not _is_date(spec)
                    or other == name
                    or not isinstance(sibling, dict)
                    or not _is_date(sibling)
                ):
                    yield Problem(f"{at}/x-not-before", "check.not_before_misused", {"other": repr(other)})


def _is_date(spec: dict[str, Any]) -> bool:
    return spec.get("format") == "date"


def check_form_file(name: str, data: bytes) -> list[ModelProblem]:
    """A JSON Schema (draft 2020-12) form, or its UI schema when the name says so."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        return [ModelProblem.coded(name, None, DOCUMENT, "check.not_utf8")]
    try:
        content = json.loads(text)
    except json.JSONDecodeError as exc:
        return [
            ModelProblem.coded(
                name,
                exc.lineno,
                DOCUMENT,
                "check.invalid_json_at",
                detail=json_error(exc.msg),
                column=exc.colno,
            )
        ]
    except (UnicodeDecodeError, RecursionError, ValueError) as exc:
        return [ModelProblem.coded(name, None, DOCUMENT, "check.invalid_json", detail=json_error(str(exc)))]
    if not isinstance(content, dict):
        return [ModelProblem.coded(name, 1, DOCUMENT, "check.form_not_object")]
    if name.endswith(".uischema.json"):
        return []
    return _schema_problems(name, content, text)


def _schema_problems(name: str, schema: dict[str, Any], text: str) -> list[ModelProblem]:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "#/" + "/".join(str(part) for part in exc.path)
        return [
            ModelProblem.coded(
                name, None, where, "check.invalid_schema", detail=library_words("schema", exc.message)
            )
        ]
    problems = []
    if schema.get("type") != "object":
        problems.append(ModelProblem.coded(name, None, "#/type", "check.schema_not_object"))
    for path in _typename_fields(schema, "#"):
        problems.append(ModelProblem.coded(name, None, path, "check.typename_reserved"))
    for found in (*form_problems(schema), *free_text_problems(schema), *date_rules_problems(schema)):
        line = _json_line(text, found.where)
        problems.append(ModelProblem.coded(name, line, found.where, found.code, **found.params))
    return problems


def _json_line(text: str, pointer: str) -> int | None:
    """The line of the last key of a JSON pointer, searched after its parents' keys (good enough for
    the forms' usual layout; None when not found)."""
    position = 0
    for key in pointer.split("/")[1:]:
        if key.isdigit():
            continue  # an index in a list, not a key
        found = text.find(json.dumps(key), position)
        if found < 0:
            return None
        position = found
    return text.count("\n", 0, position) + 1


def _typename_fields(schema: Any, path: str) -> Iterator[str]:
    # Task data keyed `typename` breaks SpiffWorkflow's deserialization, at any depth.
    if isinstance(schema, dict):
        props = schema.get("properties")
        if isinstance(props, dict) and "typename" in props:
            yield f"{path}/properties/typename"
        for key, value in schema.items():
            yield from _typename_fields(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from _typename_fields(value, f"{path}/{index}")
