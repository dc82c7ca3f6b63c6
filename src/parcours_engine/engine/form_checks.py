"""Checks on what a form schema makes the server do when it validates an answer.

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

import re
from collections.abc import Iterator
from re import _constants as sre  # type: ignore[attr-defined]  # the parser of `re`, to read a pattern
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

FREE_TEXT_MAX_LENGTH = 200
WARNING_KEY = "x-avertissement"
_CLOSED_KEYS = ("enum", "const", "oneOf", "anyOf", "format")
_VALUE_KEYS = frozenset({"enum", "const", "default", "examples"})  # data, not subschemas
_REPEATS = {sre.MAX_REPEAT, sre.MIN_REPEAT, getattr(sre, "POSSESSIVE_REPEAT", sre.MAX_REPEAT)}


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
    """Why `pattern` must not run on answers (invalid, or catastrophic backtracking), else None."""
    try:
        parsed = sre_parse.parse(pattern)
    except (re.error, RecursionError, OverflowError) as exc:
        return f"invalid regular expression: {exc}"
    if _nested_repeat(parsed):
        return (
            f"the pattern {pattern!r} repeats a repetition (as in ^(a+)+$): an answer could make the "
            "server check it for hours; write the repetition once (^a+$)"
        )
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


def form_problems(schema: Any) -> Iterator[tuple[str, str]]:
    """(JSON pointer, message) for each unsafe pattern and each reference outside the form."""
    for where, key, value in walk(schema):
        if key == "pattern" and isinstance(value, str):
            problem = pattern_problem(value)
            if problem:
                yield where, problem
        elif key == "patternProperties" and isinstance(value, dict):
            for name in value:
                problem = pattern_problem(str(name))
                if problem:
                    yield f"{where}/{name}", problem
        elif key in ("$ref", "$dynamicRef") and isinstance(value, str) and not value.startswith("#"):
            yield (
                where,
                f"reference {value!r} outside the form: only references inside it (#/...) are allowed",
            )


def free_text_problems(schema: Any) -> Iterator[tuple[str, str]]:
    """(JSON pointer, message) for each free-text string without a bound or without the warning."""
    for where, node in _subschemas(schema, "#"):
        if where == "#" or not _is_free_text(node):
            continue
        bound = node.get("maxLength")
        if not isinstance(bound, int) or isinstance(bound, bool) or not 0 < bound <= FREE_TEXT_MAX_LENGTH:
            yield (
                where,
                f"free text needs a maxLength of at most {FREE_TEXT_MAX_LENGTH} characters (or make it a "
                "closed list, a date or a code): no narrative about the person",
            )
        warning = node.get(WARNING_KEY)
        if not isinstance(warning, str) or not warning.strip():
            yield (
                where,
                f"free text needs the legal warning in {WARNING_KEY!r}, shown next to the field (the person "
                "may read it: nothing on health, opinions, private or family life, no judgement)",
            )


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


def date_rules_problems(schema: Any) -> Iterator[tuple[str, str]]:
    """(JSON pointer, message) for each `x-not-future` or `x-not-before` that cannot mean anything."""
    for where, node in _subschemas(schema, "#"):
        properties = node.get("properties")
        if not isinstance(properties, dict):
            continue
        for name, spec in properties.items():
            if not isinstance(spec, dict):
                continue
            at = f"{where}/properties/{name}"
            if "x-not-future" in spec and (spec["x-not-future"] is not True or not _is_date(spec)):
                yield (
                    f"{at}/x-not-future",
                    'x-not-future is written "x-not-future": true, on a date field ("format": "date")',
                )
            if "x-not-before" in spec:
                other = spec["x-not-before"]
                sibling = properties.get(other) if isinstance(other, str) else None
                if (
                    not _is_date(spec)
                    or other == name
                    or not isinstance(sibling, dict)
                    or not _is_date(sibling)
                ):
                    yield (
                        f"{at}/x-not-before",
                        "x-not-before names another date field of the same object (its start): "
                        f"{other!r} is none",
                    )


def _is_date(spec: dict[str, Any]) -> bool:
    return spec.get("format") == "date"
