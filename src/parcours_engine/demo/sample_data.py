"""Valid sample answers for a form, drawn from its JSON Schema (demo data and random-walk tests)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any


def sample_form_data(schema: dict[str, Any], rng: random.Random, today: date) -> dict[str, Any]:
    """An object that satisfies `schema` for the usual form shapes (closed lists, dates, numbers)."""
    properties: dict[str, Any] = schema.get("properties", {})
    required = set(schema.get("required", []))
    data = {
        name: sample_value(spec, rng, today)
        for name, spec in properties.items()
        if name in required or rng.random() < 0.5
    }
    return data


def sample_value(spec: dict[str, Any], rng: random.Random, today: date) -> Any:
    if "const" in spec:
        return spec["const"]
    if "enum" in spec:
        return rng.choice(spec["enum"])
    for key in ("oneOf", "anyOf"):
        if key in spec:
            return sample_value(rng.choice(spec[key]), rng, today)
    kind = spec.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "boolean":
        return rng.random() < 0.5
    if kind in ("integer", "number"):
        low = int(spec.get("minimum", spec.get("exclusiveMinimum", -1) + 1))
        high = int(spec.get("maximum", spec.get("exclusiveMaximum", low + 11) - 1))
        return rng.randint(low, max(low, high))
    if kind == "string":
        return _sample_string(spec, rng, today)
    if kind == "array":
        items = spec.get("items", {})
        count = max(int(spec.get("minItems", 1)), 1)
        values = [sample_value(items, rng, today) for _ in range(count * 2)]
        unique = list(dict.fromkeys(values)) if spec.get("uniqueItems") else values
        return unique[: max(count, 1)]
    if kind == "object":
        return sample_form_data(spec, rng, today)
    return None


def _sample_string(spec: dict[str, Any], rng: random.Random, today: date) -> str:
    if spec.get("format") == "date":
        return (today - timedelta(days=rng.randint(0, 30))).isoformat()
    if spec.get("format") == "date-time":
        return f"{today.isoformat()}T09:00:00+01:00"
    if spec.get("format") == "email":
        return "contact@example.org"
    length = max(int(spec.get("minLength", 1)), 1)
    return ("x" * length)[: int(spec.get("maxLength", length))]
