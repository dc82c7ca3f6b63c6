"""The forms' date rules (issue 15, point 3): `x-not-future` and `x-not-before` are accepted by the
checks the studio and `processes check` run when they mean something, refused with the place to fix
otherwise, and applied to the answers with the clock's day."""

from __future__ import annotations

import json
from datetime import date

from parcours_engine.engine.form_checks import check_form_file
from parcours_engine.pathways.forms import date_rule_errors

DATE = {"type": "string", "format": "date"}


def _form(**properties: dict[str, object]) -> dict[str, object]:
    return {"type": "object", "title": "Bilan", "properties": properties, "additionalProperties": False}


def _problems(schema: dict[str, object]) -> list[str]:
    return [
        f"{p.element}: {p.message}" for p in check_form_file("bilan.schema.json", json.dumps(schema).encode())
    ]


def test_the_rules_pass_the_checks_where_they_mean_something() -> None:
    schema = _form(
        date_bilan={**DATE, "title": "Date du bilan", "x-not-future": True},
        debut={**DATE, "title": "Début"},
        fin={**DATE, "title": "Fin", "x-not-before": "debut"},
    )
    assert _problems(schema) == []


def test_a_rule_that_means_nothing_is_refused_with_its_place() -> None:
    schema = _form(
        nombre={"type": "integer", "title": "Nombre", "x-not-future": True},
        le={**DATE, "title": "Le", "x-not-future": "oui"},
        debut={**DATE, "title": "Début"},
        fin={**DATE, "title": "Fin", "x-not-before": "commencement"},
        fin2={**DATE, "title": "Fin", "x-not-before": "fin2"},
        suivi={"type": "object", "title": "Suivi", "properties": {"fin": {**DATE, "x-not-before": "debut"}}},
    )
    where = sorted(problem.split(": ")[0] for problem in _problems(schema))
    assert where == [
        "#/properties/fin/x-not-before",
        "#/properties/fin2/x-not-before",
        "#/properties/le/x-not-future",
        "#/properties/nombre/x-not-future",
        "#/properties/suivi/properties/fin/x-not-before",  # its start is not in the same object
    ]


def test_the_answers_follow_the_rules_with_the_clocks_day() -> None:
    schema = _form(
        le={**DATE, "x-not-future": True},
        debut=DATE,
        fin={**DATE, "x-not-before": "debut"},
        suivi={"type": "object", "properties": {"le": {**DATE, "x-not-future": True}}},
    )
    today = date(2026, 1, 5)
    assert (
        date_rule_errors(schema, {"le": "2026-01-05", "debut": "2026-01-02", "fin": "2026-01-02"}, today)
        == {}
    )
    found = date_rule_errors(
        schema,
        {"le": "2026-01-06", "debut": "2026-01-02", "fin": "2026-01-01", "suivi": {"le": "2031-01-15"}},
        today,
    )
    assert {name: [e.code for e in errors] for name, errors in found.items()} == {
        "le": ["field.date_before"],
        "fin": ["field.period_reversed"],
        "suivi.le": ["field.date_before"],
    }
    assert found["le"][0].params == {"limit": "05/01/2026"}
    assert date_rule_errors(schema, {"le": "2031-01-15"}, None) == {}  # no day given: not checked


def test_sample_answers_honour_the_rules() -> None:
    """The demo and the simulation draw answers the forms then validate: an end drawn before its
    start, or a past event drawn a month ahead, would be refused."""
    import random

    from parcours_engine.studio.sample_data import sample_form_data

    schema = _form(
        le={**DATE, "x-not-future": True},
        date_fin_reelle={**DATE, "x-not-future": True},
        debut=DATE,
        fin={**DATE, "x-not-before": "debut"},
    )
    schema["required"] = ["le", "date_fin_reelle", "debut", "fin"]
    today = date(2026, 1, 5)
    for seed in range(200):
        for future_ends in (False, True):
            drawn = sample_form_data(schema, random.Random(seed), today, future_ends=future_ends)
            assert date_rule_errors(schema, drawn, today) == {}, (seed, future_ends, drawn)
