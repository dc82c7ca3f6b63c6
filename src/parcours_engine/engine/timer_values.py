"""What a timer (or a multi-instance cardinality) may be: ISO 8601 literals of each kind that
SpiffWorkflow can also parse, held to the timer budgets (how far ahead, how often, how many times);
and, when a model computes one with an expression, its value turned into ISO text SpiffWorkflow
parses, or refused clearly. `scripting` checks and evaluates the expressions themselves."""

from __future__ import annotations

import ast
import re
from datetime import date, timedelta
from typing import Any, Literal

from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import MultiInstanceTask
from SpiffWorkflow.task import Task

from parcours_engine.domain.errors import ScriptError
from parcours_engine.engine import budgets
from parcours_engine.engine.budgets import BudgetExceeded
from parcours_engine.engine.script_helpers import iso, iso_duration

TimerKind = Literal["timeDate", "timeDuration", "timeCycle"]
KIND_LABELS: dict[str, str] = {"timeDate": "date", "timeDuration": "duration", "timeCycle": "cycle"}

_NUM = r"\d+(?:[.,]\d+)?"
_DATE = r"\d{4}-?(?:\d{2}-?\d{2}|W\d{2}-?\d)"
_TIME = r"T\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?"
_DATETIME = rf"{_DATE}(?:{_TIME})?"
_DURATION = (
    rf"P(?=\d|T\d)(?:{_NUM}Y)?(?:{_NUM}M)?(?:{_NUM}W)?(?:{_NUM}D)?"
    rf"(?:T(?=\d)(?:{_NUM}H)?(?:{_NUM}M)?(?:{_NUM}S)?)?"
)
_PART = rf"(?:{_DATETIME}|{_DURATION})"
_LITERALS: dict[str, re.Pattern[str]] = {
    "timeDate": re.compile(_DATETIME),
    "timeDuration": re.compile(_DURATION),
    "timeCycle": re.compile(rf"R\d*/{_PART}(?:/{_PART})?"),
}
# Text a modeller meant as ISO 8601 even though it is not valid (e.g. "P18X"), to say so at publish.
ISO_LOOKING = re.compile(r"(?:R\d*/|PT?\d|\d{4}-\d|PT?$)")


_DURATION_PARTS = re.compile(r"(\d+(?:[.,]\d+)?)([YMWDHS])")
_DAYS_PER_UNIT = {"Y": 366.0, "M": 31.0, "W": 7.0, "D": 1.0}
_SECONDS_PER_UNIT = {"H": 3600.0, "M": 60.0, "S": 1.0}


def _duration_seconds(text: str) -> float:
    """An upper bound of an ISO 8601 duration's length, read without SpiffWorkflow (which counts
    a duration in years month by month: `P99999999Y` would never return)."""
    date_part, _, time_part = text.upper().lstrip("P").partition("T")
    days = sum(float(n.replace(",", ".")) * _DAYS_PER_UNIT[u] for n, u in _DURATION_PARTS.findall(date_part))
    seconds = sum(
        float(n.replace(",", ".")) * _SECONDS_PER_UNIT.get(u, 0.0)
        for n, u in _DURATION_PARTS.findall(time_part)
    )
    return days * 86_400 + seconds


def check_timer_budget(text: str, kind: TimerKind) -> None:
    """Refuse a timer over its budgets: too far ahead, repeated too often or too many times."""
    limits = budgets.current()
    text = text.strip().upper()
    durations = [part for part in text.split("/") if part.startswith("P")]
    for duration in durations:
        if _duration_seconds(duration) > limits.timer_horizon_days * 86_400:
            raise BudgetExceeded("timer_horizon_days", f"the timer {duration} is too far ahead")
    if kind != "timeCycle":
        return
    count = text.split("/", 1)[0].lstrip("R")
    if count.isdigit() and int(count) > limits.timer_repetitions:
        raise BudgetExceeded("timer_repetitions", f"the timer {text} repeats too many times")
    for duration in durations:
        if _duration_seconds(duration) < limits.timer_min_period_s:
            raise BudgetExceeded("timer_min_period_s", f"the timer {text} repeats too often")


def is_iso8601_literal(expression: str, kind: TimerKind) -> bool:
    """True if `expression` (unquoted) is ISO 8601 of `kind` that SpiffWorkflow can also parse.

    Raises `BudgetExceeded` for a valid one over the timer budgets (`check_timer_budget`).
    """
    text = expression.strip()
    if not _LITERALS[kind].fullmatch(text):
        return False
    check_timer_budget(text, kind)
    parse = spiff_timer.TimerEventDefinition
    try:
        if kind == "timeDuration":
            parse.parse_iso_duration(text)
        elif kind == "timeCycle":
            parse.parse_iso_recurring_interval(text)
        else:
            return not isinstance(parse.parse_time_or_duration(text), dict)
    except Exception:  # SpiffWorkflow raises bare Exception/ValueError/AttributeError on bad input
        return False
    return True


def string_literal(text: str) -> str | None:
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError:
        return None
    body = tree.body
    return body.value if isinstance(body, ast.Constant) and isinstance(body.value, str) else None


def timer_kind(task: Task, expression: str) -> TimerKind | None:
    definition = getattr(task.task_spec, "event_definition", None)
    if not isinstance(definition, spiff_timer.TimerEventDefinition) or definition.expression != expression:
        return None
    if isinstance(definition, spiff_timer.CycleTimerEventDefinition):
        return "timeCycle"
    if isinstance(definition, spiff_timer.DurationTimerEventDefinition):
        return "timeDuration"
    return "timeDate"


def is_cardinality(task: Task, expression: str) -> bool:
    return isinstance(task.task_spec, MultiInstanceTask) and task.task_spec.cardinality == expression


def check_cardinality(value: Any) -> None:
    """A multi-instance activity runs `value` instances: a whole number within the budget."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ScriptError(f"the loop cardinality gave {value!r}, which is not a whole number of instances")
    if value > budgets.current().instances:
        raise BudgetExceeded("instances", f"the loop cardinality asks for {value:,} instances")


def timer_value(value: Any, kind: TimerKind) -> str:
    """Turn what a timer expression gave into ISO text SpiffWorkflow parses, or refuse it clearly."""
    if isinstance(value, timedelta) and kind == "timeDuration":
        value = iso_duration(value)
    elif isinstance(value, date) and kind == "timeDate":
        value = iso(value)
    if not isinstance(value, str) or not is_iso8601_literal(value, kind):
        raise ScriptError(
            f"the timer expression gave {value!r}, which is not an ISO 8601 {KIND_LABELS[kind]}"
        )
    text = value.strip()
    # Store dates with an explicit offset: the due time must not depend on the reader's zone.
    return iso(text) if kind == "timeDate" and "W" not in text else text
