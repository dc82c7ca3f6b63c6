"""What model code may cost the host: time, memory, depth, loop turns, instances, timers.

Models are written by coordinators and run inside the web and scheduler processes, so every
evaluation (a script, a condition, a timer expression, a multi-instance cardinality) and every
transition has a budget. Going over it is a `BudgetExceeded` naming the budget and its limit; the
runtime turns it into an `EngineFailure` naming the element, which the host records as an incident
(the pathway stays as it was).

A deployment sets the budgets with environment variables, read once when first needed
(`PARCOURS_BUDGET_SCRIPT_MS=500`...; `ENVIRONMENT` lists them); tests set them with `configure`.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace

from parcours_engine.domain.errors import ScriptError


@dataclass(frozen=True)
class Budgets:
    script_ms: int = 200  # wall time of one evaluation (script, condition, timer expression)
    iterations: int = 10_000  # items taken by all the loops and comprehensions of one evaluation
    transition_ms: int = 2_000  # wall time of all the evaluations of one transition
    sequence_length: int = 1_000_000  # characters of a string, items of a list, a script may build
    allocated: int = 20_000_000  # characters and items built in all by one evaluation
    int_bits: int = 100_000  # size of an integer a script may build
    depth: int = 100  # nesting of an expression, and of the data a script leaves
    data_items: int = 1_000_000  # values in the data a script leaves (shared ones counted each time)
    engine_steps: int = 500  # automatic steps in one transition before a person or a timer is waited for
    instances: int = 1_000  # multi-instance cardinality (sequential or parallel)
    call_depth: int = 20  # call activities nested in one another
    timer_repetitions: int = 1_000  # occurrences of a repeating timer (R<n>/...)
    timer_horizon_days: int = 36_600  # how far ahead a timer may be due (~100 years)
    timer_min_period_s: int = 60  # the shortest period of a repeating timer


# The environment variable of each budget.
ENVIRONMENT: dict[str, str] = {
    "script_ms": "PARCOURS_BUDGET_SCRIPT_MS",
    "iterations": "PARCOURS_BUDGET_ITERATIONS",
    "transition_ms": "PARCOURS_BUDGET_TRANSITION_MS",
    "sequence_length": "PARCOURS_BUDGET_SEQUENCE_LENGTH",
    "allocated": "PARCOURS_BUDGET_ALLOCATED",
    "int_bits": "PARCOURS_BUDGET_INT_BITS",
    "depth": "PARCOURS_BUDGET_DEPTH",
    "data_items": "PARCOURS_BUDGET_DATA_ITEMS",
    "engine_steps": "PARCOURS_BUDGET_ENGINE_STEPS",
    "instances": "PARCOURS_BUDGET_INSTANCES",
    "call_depth": "PARCOURS_BUDGET_CALL_DEPTH",
    "timer_repetitions": "PARCOURS_BUDGET_TIMER_REPETITIONS",
    "timer_horizon_days": "PARCOURS_BUDGET_TIMER_HORIZON_DAYS",
    "timer_min_period_s": "PARCOURS_BUDGET_TIMER_MIN_PERIOD_S",
}

# What each budget is called in messages (modellers and administrators read them).
LABELS: dict[str, str] = {
    "script_ms": "time budget of {limit} ms per evaluation",
    "iterations": "loop budget of {limit} turns per evaluation",
    "transition_ms": "time budget of {limit} ms per transition",
    "sequence_length": "size budget of {limit} characters or items",
    "allocated": "memory budget of {limit} characters or items built per evaluation",
    "int_bits": "size budget of {limit} bits per number",
    "depth": "depth budget of {limit} levels",
    "data_items": "data budget of {limit} values",
    "engine_steps": "budget of {limit} automatic steps without waiting for a person or a timer",
    "instances": "budget of {limit} instances per multi-instance activity",
    "call_depth": "budget of {limit} nested call activities",
    "timer_repetitions": "budget of {limit} repetitions per timer",
    "timer_horizon_days": "timer horizon of {limit} days",
    "timer_min_period_s": "shortest timer period of {limit} seconds",
}


class BudgetExceeded(ScriptError):
    """Model code or a transition went over one of its budgets."""

    def __init__(self, budget: str, what: str) -> None:
        limit = getattr(current(), budget)
        super().__init__(f"{what}: over the {LABELS[budget].format(limit=f'{limit:,}')}")
        self.budget = budget
        self.element_id: str | None = None  # set when the budget belongs to a transition, not to code


def from_environment(environ: Mapping[str, str]) -> Budgets:
    """The defaults, overridden by each variable of `ENVIRONMENT` that is set (a positive integer)."""
    values: dict[str, int] = {}
    for field in fields(Budgets):
        text = environ.get(ENVIRONMENT[field.name], "").strip().replace("_", "")
        if not text:
            continue
        if not text.isdigit() or int(text) <= 0:
            raise ValueError(f"{ENVIRONMENT[field.name]} must be a positive whole number, got {text!r}")
        values[field.name] = int(text)
    return replace(Budgets(), **values)


_lock = threading.Lock()
_current: Budgets | None = None


def current() -> Budgets:
    """The budgets in force (from the environment, read on first use)."""
    global _current
    if _current is None:
        with _lock:
            if _current is None:
                _current = from_environment(os.environ)
    return _current


def configure(budgets: Budgets | None) -> None:
    """Put `budgets` in force (None: read the environment again on next use)."""
    global _current
    with _lock:
        _current = budgets
