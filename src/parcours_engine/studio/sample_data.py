"""Valid sample answers for a form, drawn from its JSON Schema (simulation, demo data, random walks).

`sample_form_data(schema, rng, today)` draws closed lists, booleans and bounded numbers at random,
dates in the month before `today`, a short text for free text; optional fields half of the time. The
demo and the random-walk tests rely on that draw staying the same for a seed. Dates honour the
forms' date rules: never after today where `x-not-future` says so, an end on or after the date its
`x-not-before` names.

The studio's simulation asks for more (`given`, `optional=0`, `future_ends=True`): the answers a
scenario gives are kept, only what the form requires is drawn, dates are the virtual day (end dates a
month later, so that a measure lasts); any caller passing `given` (the demo's second try) also gets simple anchored patterns (`^[A-N][0-9]{4}$`) are drawn from the
pattern, and conditional requirements (`allOf` of `if`/`then`/`else`) are honoured. The caller still
validates the result with the form (`pathways.forms.validate`): this is a generator, not a validator.
"""

from __future__ import annotations

import random
import re
from collections.abc import Mapping
from datetime import date, timedelta
from typing import Any

from jsonschema import Draft202012Validator

# Date fields whose name says they end something: a month after the virtual day (`future_ends`).
_END_DATE = re.compile(r"(^|_)(fin|echeance)(_|$)")


def sample_form_data(
    schema: dict[str, Any],
    rng: random.Random,
    today: date,
    *,
    given: Mapping[str, Any] | None = None,
    optional: float = 0.5,
    future_ends: bool = False,
) -> dict[str, Any]:
    """An object that satisfies `schema` for the usual form shapes (closed lists, dates, numbers)."""
    draw = _Draw(rng, today, optional, future_ends, patterns=given is not None or future_ends)
    data = draw.object(schema, dict(given or {}))
    if given is not None or future_ends:
        draw.conditions(schema, data, frozenset(given or ()))
    _order_dates(schema, data, frozenset(given or ()))
    return data


def _order_dates(schema: Mapping[str, Any], data: dict[str, Any], given: frozenset[str]) -> None:
    """Honour `x-not-before` (an end on or after its start) without drawing again: the draw of a
    seed stays the same, only a drawn end before its start moves to the start."""
    properties: Mapping[str, Any] = schema.get("properties", {})
    for name, spec in properties.items():
        start = spec.get("x-not-before") if isinstance(spec, Mapping) else None
        if name in given or not isinstance(start, str):
            continue
        end, begin = data.get(name), data.get(start)
        if isinstance(end, str) and isinstance(begin, str) and end < begin:
            data[name] = begin  # ISO dates compare as text


def sample_value(spec: dict[str, Any], rng: random.Random, today: date) -> Any:
    return _Draw(rng, today, 0.5, False, patterns=False).value(spec, "")


class _Draw:
    def __init__(
        self, rng: random.Random, today: date, optional: float, future_ends: bool, *, patterns: bool
    ) -> None:
        self.rng, self.today, self.optional, self.future_ends = rng, today, optional, future_ends
        self.patterns = patterns  # draw from simple patterns (a caller asking for conditions too)

    def object(self, schema: Mapping[str, Any], given: dict[str, Any]) -> dict[str, Any]:
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        data = dict(given)
        for name, spec in properties.items():
            if name in given:
                continue
            if name in required or (self.optional > 0 and self.rng.random() < self.optional):
                data[name] = self.value(spec, name)
        return data

    def value(self, spec: Mapping[str, Any], name: str) -> Any:
        if "const" in spec:
            return spec["const"]
        if "enum" in spec:
            return self.rng.choice(spec["enum"])
        for key in ("oneOf", "anyOf"):
            if key in spec:
                return self.value(self.rng.choice(spec[key]), name)
        kind = spec.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), "null")
        if kind == "boolean":
            return self.rng.random() < 0.5
        if kind in ("integer", "number"):
            low = int(spec.get("minimum", spec.get("exclusiveMinimum", -1) + 1))
            high = int(spec.get("maximum", spec.get("exclusiveMaximum", low + 11) - 1))
            return self.rng.randint(low, max(low, high))
        if kind == "string":
            return self.string(spec, name)
        if kind == "array":
            items = spec.get("items", {})
            count = max(int(spec.get("minItems", 1)), 1)
            values = [self.value(items, name) for _ in range(count * 2)]
            unique = list(dict.fromkeys(values)) if spec.get("uniqueItems") else values
            return unique[: max(count, 1)]
        if kind == "object":
            return self.object(spec, {})
        return None

    def string(self, spec: Mapping[str, Any], name: str) -> str:
        if spec.get("format") == "date":
            if self.future_ends:  # an event already happened (`x-not-future`) is today at the latest
                ahead = 30 if _END_DATE.search(name) and not spec.get("x-not-future") else 0
                return (self.today + timedelta(days=ahead)).isoformat()
            return (self.today - timedelta(days=self.rng.randint(0, 30))).isoformat()
        if spec.get("format") == "date-time":
            return f"{self.today.isoformat()}T09:00:00+01:00"
        if spec.get("format") == "email":
            return "contact@example.org"
        if self.patterns and isinstance(spec.get("pattern"), str):
            drawn = pattern_sample(spec["pattern"], self.rng)
            if drawn is not None:
                return drawn
        length = max(int(spec.get("minLength", 1)), 1)
        return ("x" * length)[: int(spec.get("maxLength", length))]

    def conditions(self, schema: Mapping[str, Any], data: dict[str, Any], given: frozenset[str]) -> None:
        """Honour `allOf` of `if`/`then`/`else`: what the branch that applies requires or fixes."""
        rules = [rule for rule in schema.get("allOf", []) if isinstance(rule, dict) and "if" in rule]
        for _ in range(3):  # a branch's answer may switch another rule's branch; a few passes settle it
            for rule in rules:
                matches = Draft202012Validator(rule["if"]).is_valid(data)
                branch = rule.get("then" if matches else "else")
                if isinstance(branch, dict):
                    self._apply(schema, branch, data, given)

    def _apply(
        self,
        schema: Mapping[str, Any],
        branch: Mapping[str, Any],
        data: dict[str, Any],
        given: frozenset[str],
    ) -> None:
        top: Mapping[str, Any] = schema.get("properties", {})
        fixed: Mapping[str, Any] = branch.get("properties", {})
        for name in branch.get("required", []):
            if name not in data and name in top:
                data[name] = self.value({**top[name], **fixed.get(name, {})}, name)
        for name, spec in fixed.items():
            if name in given or name not in data or not isinstance(spec, dict):
                continue
            if not Draft202012Validator(spec).is_valid(data[name]):
                data[name] = self.value({**top.get(name, {}), **spec}, name)


# --- a sampler for the small anchored patterns forms use for codes ----------------------------------

_ATOM = re.compile(r"\[([^\]]+)\]|\\d|(\w)")
_REPEAT = re.compile(r"\{(\d+)(?:,(\d+))?\}")


def pattern_sample(pattern: str, rng: random.Random) -> str | None:
    """A string matching a simple anchored pattern (classes, literals, `{n}`/`{n,m}`), or None."""
    if not (pattern.startswith("^") and pattern.endswith("$")):
        return None
    body, position = pattern[1:-1], 0
    out: list[str] = []
    while position < len(body):
        atom = _ATOM.match(body, position)
        if atom is None:
            return None
        choices = _choices(atom.group(0))
        if choices is None:
            return None
        position = atom.end()
        repeat = _REPEAT.match(body, position)
        count = 1
        if repeat is not None:
            low = int(repeat.group(1))
            count = rng.randint(low, int(repeat.group(2) or low))
            position = repeat.end()
        out.extend(rng.choice(choices) for _ in range(count))
    drawn = "".join(out)
    return drawn if re.fullmatch(pattern[1:-1], drawn) else None


def _choices(atom: str) -> list[str] | None:
    if atom == r"\d":
        return list("0123456789")
    if not atom.startswith("["):
        return [atom]
    inner, index = atom[1:-1], 0
    found: list[str] = []
    if inner.startswith("^"):
        return None
    while index < len(inner):
        if index + 2 < len(inner) and inner[index + 1] == "-":
            found += [chr(code) for code in range(ord(inner[index]), ord(inner[index + 2]) + 1)]
            index += 3
        else:
            found.append(inner[index])
            index += 1
    return found or None
