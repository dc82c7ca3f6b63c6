"""Idle and stalled pathways, reminders and indicator groupings: the rules, in plain Python.

A pathway is *idle* while no measure runs and none is planned; it is *stalled* when one of three
conditions holds: idle past its programme's threshold, waiting at one element past that element's
`maxWaitDays`, or a task past its due date. When several hold, the most specific one is reported
(`REASON_RANK`): the element a person waits at says more than "idle" does.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

IDLE_TOO_LONG = "idle_too_long"
ELEMENT_WAIT_TOO_LONG = "element_wait_too_long"
TASK_OVERDUE = "task_overdue"
STALL_REASONS: tuple[str, ...] = (ELEMENT_WAIT_TOO_LONG, TASK_OVERDUE, IDLE_TOO_LONG)
REASON_RANK: dict[str, int] = {reason: rank for rank, reason in enumerate(STALL_REASONS, start=1)}

# The workflow data key a model sets to say when the next measure is planned (ISO date).
PLANNED_MEASURE_KEY = "date_prochaine_mesure"

# A task due within this delay gets one reminder to its assignee.
TASK_REMINDER_WINDOW = timedelta(days=3)

# A timer firing that fails is tried again after these delays, then given up (incident stays open).
TIMER_RETRY_DELAYS: tuple[timedelta, ...] = (
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=60),
)

# Qualification levels (French nomenclature): VI, Vbis and V are below the baccalauréat.
BELOW_BACCALAUREAT: tuple[str, ...] = ("VI", "Vbis", "V")
# CIVIS "renforcé": young people of levels VI and Vbis (seed 003).
RENFORCE_LEVELS: tuple[str, ...] = ("VI", "Vbis")


@dataclass(frozen=True)
class StallCondition:
    """One condition that holds: why, at which element (if any), and since when it holds."""

    reason: str
    element_id: str | None
    since: datetime


def top_condition(conditions: list[StallCondition]) -> StallCondition | None:
    """The condition to report: the most specific reason, then the oldest."""
    if not conditions:
        return None
    return min(conditions, key=lambda c: (REASON_RANK[c.reason], c.since))


def retry_delay(attempts: int) -> timedelta | None:
    """When to try a failed timer firing again after `attempts` failures; None: give up."""
    if 1 <= attempts <= len(TIMER_RETRY_DELAYS):
        return TIMER_RETRY_DELAYS[attempts - 1]
    return None
