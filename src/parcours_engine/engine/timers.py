"""Clock-driven BPMN timers: SpiffWorkflow's timers read the injected clock, not the wall clock.

SpiffWorkflow 3.2.0 hard-wires `datetime.now(timezone.utc)` in its timer module. `install_clock()`
swaps that module's `datetime` name for a proxy whose `now()` reads the clock of the current
context (`using_clock`), so tests move a `FrozenClock` instead of sleeping and the scheduler fires
timers "as of" the instant it chose. Nothing is patched at import: the runtime calls
`install_clock()` once (it is idempotent).

The host's loop is: `fire_due_timers(workflow, now)`, save, and store `next_due(workflow)` in an
indexed column so the scheduler only loads instances that have something due.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.event_definitions import timer as _spiff_timer
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

from parcours_engine.domain.clock import Clock, FrozenClock, SystemClock

PARIS = ZoneInfo("Europe/Paris")

_TIMER_EVENT_TYPES = frozenset(
    {"TimeDateEventDefinition", "DurationTimerEventDefinition", "CycleTimerEventDefinition"}
)

_REAL_DATETIME = datetime
_CURRENT_CLOCK: ContextVar[Clock | None] = ContextVar("parcours_engine_clock", default=None)
_SYSTEM_CLOCK = SystemClock()
_INSTALL_LOCK = threading.Lock()


# --- the clock of the current context ------------------------------------------------------------


@contextmanager
def using_clock(clock: Clock) -> Iterator[Clock]:
    """Run the block with `clock` as "now" for timers and script helpers (this thread/task only)."""
    token = _CURRENT_CLOCK.set(clock)
    try:
        yield clock
    finally:
        _CURRENT_CLOCK.reset(token)


def current_clock() -> Clock:
    """The clock set by the innermost `using_clock`, else the wall clock."""
    return _CURRENT_CLOCK.get() or _SYSTEM_CLOCK


class _ClockDatetimeMeta(type):
    """Makes `ClockDatetime` stand in for `datetime` in SpiffWorkflow's timer module.

    `isinstance(x, datetime)` there must keep meaning "is a real datetime", and the constructors
    it calls (`fromisoformat`, `combine`, `fromisocalendar`, `datetime(...)`) must build real ones.
    """

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, _REAL_DATETIME)

    def __subclasscheck__(cls, subclass: type) -> bool:
        return issubclass(subclass, _REAL_DATETIME)

    def __getattr__(cls, name: str) -> Any:
        return getattr(_REAL_DATETIME, name)

    def __call__(cls, *args: Any, **kwargs: Any) -> datetime:
        return _REAL_DATETIME(*args, **kwargs)


class ClockDatetime(metaclass=_ClockDatetimeMeta):
    """`datetime` whose `now()` reads the current context's clock."""

    @staticmethod
    def now(tz: tzinfo | None = None) -> datetime:
        clock = _CURRENT_CLOCK.get()
        if clock is None:
            return _REAL_DATETIME.now(tz)
        instant = clock.now()
        # Same contract as datetime.now: naive local time when no zone is asked for.
        return instant.astimezone(tz) if tz is not None else instant.astimezone().replace(tzinfo=None)


def install_clock() -> None:
    """Make SpiffWorkflow's timers read `current_clock()` and read offset-less dates in Paris.

    SpiffWorkflow reads a timeDate without offset in `LOCALTZ`, a fixed offset captured from the
    server's zone when it was imported: a server in UTC (containers) would fire "2026-03-01T09:00"
    an hour late, and even a server in Paris applies the winter offset in summer. Our users mean
    French wall-clock time, so LOCALTZ becomes Europe/Paris (a real zone: DST-correct).
    Idempotent and thread-safe.
    """
    with _INSTALL_LOCK:
        if _spiff_timer.datetime is not ClockDatetime:
            _spiff_timer.datetime = ClockDatetime
        _spiff_timer.LOCALTZ = PARIS


# --- firing -----------------------------------------------------------------------------------


def _waiting_timer_tasks(workflow: BpmnWorkflow) -> list[Task]:
    # The top workflow's event manager lists waiting catch events of call activities too.
    return [
        task
        for task in list(workflow.event_manager.tasks.values())
        if isinstance(getattr(task.task_spec, "event_definition", None), _spiff_timer.TimerEventDefinition)
    ]


def _cycle_value(task: Task) -> dict[str, Any] | None:
    if not isinstance(task.task_spec.event_definition, _spiff_timer.CycleTimerEventDefinition):
        return None
    value = task.internal_data.get("event_value")
    return value if isinstance(value, dict) else None


def catch_up_cycles(workflow: BpmnWorkflow, now: datetime) -> int:
    """Collapse cycle occurrences missed during downtime; return how many were skipped.

    SpiffWorkflow fires every missed occurrence of `R10/P1D` at once after ten days of downtime;
    people expect one reminder, not ten. For each waiting cycle whose next occurrence is more than
    one period in the past, the missed occurrences but the last are skipped: exactly one firing
    happens now and the following occurrence lands in the future, on the original schedule.
    A finite cycle loses the skipped occurrences from its remaining count, but always keeps one
    for the catch-up firing itself (an `R3` that missed all three fires once, then is done).
    """
    skipped_total = 0
    for task in _waiting_timer_tasks(workflow):
        value = _cycle_value(task)
        if value is None or value.get("cycles", 0) == 0 or value.get("duration", 0) <= 0:
            continue
        due = _aware(_REAL_DATETIME.fromisoformat(value["next"]))
        period = timedelta(seconds=value["duration"])
        if now - due <= period:
            continue
        missed = -((due - now) // period)  # occurrences strictly before now: ceil((now - due) / period)
        skipped = missed - 1
        value["next"] = (due + skipped * period).isoformat()
        if value["cycles"] > 0:
            value["cycles"] = max(value["cycles"] - skipped, 1)
        skipped_total += skipped
    return skipped_total


def _timer_marks(tasks: list[Task]) -> dict[Task, Any]:
    # What changes when a timer fires: a cycle's next occurrence moves on; other timers complete.
    return {task: (value or {}).get("next") for task in tasks for value in [_cycle_value(task)]}


def fire_due_timers(
    workflow: BpmnWorkflow, now: datetime, did_complete_task: Callable[[Task], None] | None = None
) -> int:
    """Fire every timer due at `now` and run the engine on; return how many timers fired.

    Runs under a clock frozen at `now`, so the firing decision, the due times SpiffWorkflow computes
    for timers reached downstream, and the script helpers all agree on one instant. Like any engine
    step it may raise (a failing script downstream): the caller discards the workflow object then.
    """
    install_clock()
    moment = _aware(now)
    with using_clock(FrozenClock(moment)):
        catch_up_cycles(workflow, moment)
        before = _timer_marks(_waiting_timer_tasks(workflow))
        workflow.refresh_timers()
        workflow.do_engine_steps(did_complete_task=did_complete_task)
    fired = 0
    for task, mark in before.items():
        value = _cycle_value(task)
        if value is not None and mark is not None:
            fired += value.get("next") != mark
        elif task.has_state(TaskState.COMPLETED):
            fired += 1
    return fired


# --- scheduling ---------------------------------------------------------------------------------


def next_due(workflow: BpmnWorkflow) -> datetime | None:
    """The earliest due time (aware, UTC) among the workflow's waiting timers, call activities
    included; None when no timer waits."""
    due_times = [
        parsed
        for event in workflow.waiting_events()
        if event.event_type in _TIMER_EVENT_TYPES
        for parsed in [_due_time(event.value)]
        if parsed is not None
    ]
    return min(due_times, default=None)


def _due_time(value: object) -> datetime | None:
    # Durations and dates are stored as ISO strings; a cycle shows its next occurrence, or its
    # raw dict once its count is spent (it completes at the next refresh: due at its 'next').
    if isinstance(value, dict):
        value = value.get("next")
    if not isinstance(value, str):
        return None
    return _aware(_REAL_DATETIME.fromisoformat(value)).astimezone(UTC)


def _aware(moment: datetime) -> datetime:
    """Naive datetimes in saved state or from callers are French wall-clock time."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=PARIS)
