"""Checks on what a form schema makes the server do when it validates an answer.

A form's `pattern` runs in Python's backtracking regular expression engine on every answer: a
pattern with nested repetitions (`^(a+)+$`) takes exponential time on a crafted answer and cannot be
interrupted, so it is refused at publish. A `$ref` outside the form (`file:///etc/passwd`, a URL)
would read a file or the network: only references inside the form (`#/...`) are accepted.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from re import _constants as sre  # type: ignore[attr-defined]  # the parser of `re`, to read a pattern
from re import _parser as sre_parse  # type: ignore[attr-defined]
from typing import Any

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
