"""A transition's budgets (start, task completion, timer firing): one deadline and one count of
automatic steps for everything the transition runs, every evaluation inside it included."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from parcours_engine.engine import budgets
from parcours_engine.engine.budgets import BudgetExceeded


@dataclass
class _Transition:
    deadline: float
    steps_left: int


_TRANSITION: ContextVar[_Transition | None] = ContextVar("parcours_engine_transition", default=None)


@contextmanager
def transition() -> Iterator[None]:
    """Run a transition (start, task completion, timer firing) under its time and step budgets."""
    limits = budgets.current()
    token = _TRANSITION.set(_Transition(time.monotonic() + limits.transition_ms / 1000, limits.engine_steps))
    try:
        yield
    finally:
        _TRANSITION.reset(token)


def count_step(task: Any) -> None:
    """SpiffWorkflow's `did_complete_task` callback: one more automatic step in this transition."""
    current = _TRANSITION.get()
    if current is None:
        return
    current.steps_left -= 1
    over = None
    if current.steps_left < 0:
        over = BudgetExceeded("engine_steps", "the pathway runs in a loop that waits for nobody")
    elif time.monotonic() > current.deadline:
        over = BudgetExceeded("transition_ms", "the transition took too long")
    if over is not None:
        over.element_id = getattr(task.task_spec, "bpmn_id", None)
        raise over


def current_deadline() -> float | None:
    """The deadline of the transition running now (`time.monotonic()` seconds), if one runs."""
    outer = _TRANSITION.get()
    return outer.deadline if outer is not None else None
