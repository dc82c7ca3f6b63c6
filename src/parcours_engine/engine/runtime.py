"""Run a programme: start, complete user tasks, fire timers, and describe where a pathway stands.

Pure runtime over SpiffWorkflow: no database, no web. Every operation runs under the injected clock
(timers and script helpers read it) and turns SpiffWorkflow's exceptions into `EngineFailure` naming
the element, so the host can roll back and record an incident. A workflow object that raised is
half-advanced in memory: callers must discard it (the host reloads from the database).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeAlias, TypeVar
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.exceptions import WorkflowException
from SpiffWorkflow.util.task import TaskState

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import ScriptError
from parcours_engine.engine import compaction, guards, serializer, timers
from parcours_engine.engine.loader import ProcessModel
from parcours_engine.engine.scripting import RestrictedScriptEngine

T = TypeVar("T")

# A running workflow as the engine hands it out: code outside engine/ passes it back to the engine
# (load, dump, migrate) without importing SpiffWorkflow or reading inside it.
Workflow: TypeAlias = BpmnWorkflow

# Task states in which a pathway "waits" at an element (what screens show as its position).
_WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED


class EngineFailure(Exception):
    """A script, condition or timer failed while advancing; names the element to fix."""

    def __init__(self, message: str, element_id: str | None) -> None:
        super().__init__(message)
        self.element_id = element_id


class TaskNotReady(Exception):
    """The task is not (or no longer) waiting for a person."""


@dataclass(frozen=True)
class ReadyTask:
    task_id: str
    element_id: str
    name: str
    process_id: str
    lane: str | None


@dataclass(frozen=True)
class Step:
    """An element a workflow went through, as it happened (a simulation prints them as its path)."""

    element_id: str
    name: str
    process_id: str


# Told each step of a transition: a user task completed, then every automatic step after it.
StepListener = Callable[[Step], None]


@dataclass(frozen=True)
class Position:
    element_id: str
    process_id: str
    kind: str  # userTask, timer, message, callActivity...
    state: str


class Runtime:
    """One per process: holds the restricted script engine shared by every workflow."""

    def __init__(self, outcome_key: str | None = None) -> None:
        """`outcome_key`: the data key a workflow must have set when it ends (the host's `issue`)."""
        timers.install_clock()
        self.script_engine = RestrictedScriptEngine()
        self.outcome_key = outcome_key

    def start(
        self, model: ProcessModel, data: Mapping[str, Any], clock: Clock, on_step: StepListener | None = None
    ) -> BpmnWorkflow:
        """A new workflow for `model` with `data` as its initial data, advanced to its first waits."""
        workflow = BpmnWorkflow(model.spec, model.subprocess_specs, script_engine=self.script_engine)
        workflow.data.update(data)
        for task in workflow.get_tasks(state=TaskState.READY):
            task.data.update(data)
        counted = _counting(on_step)
        self._guarded(clock, workflow, lambda: workflow.do_engine_steps(did_complete_task=counted))
        return workflow

    def load(self, model: ProcessModel, state: str, serializer_version: str) -> BpmnWorkflow:
        workflow = serializer.loads(state, model.spec, model.subprocess_specs, serializer_version)
        workflow.script_engine = self.script_engine  # not serialized by SpiffWorkflow
        return workflow

    @staticmethod
    def dump(workflow: BpmnWorkflow) -> tuple[str, str]:
        """(state JSON, serializer version) to store; finished tasks nothing reads again are dropped
        first, so repeating timers and loops do not grow the state (`compaction`)."""
        compaction.compact(workflow)
        return serializer.dumps(workflow), serializer.SERIALIZER_VERSION

    def complete(
        self,
        workflow: BpmnWorkflow,
        task_id: str,
        data: Mapping[str, Any],
        clock: Clock,
        on_step: StepListener | None = None,
    ) -> None:
        """Complete a READY user task with the form's data, then run until the next waits."""
        try:
            task = workflow.get_task_from_id(UUID(task_id))
        except (ValueError, KeyError, WorkflowException) as exc:
            raise TaskNotReady(f"no task {task_id}") from exc
        if task is None or task.state != TaskState.READY or not task.task_spec.manual:
            raise TaskNotReady(f"task {task_id} is not waiting for a person")
        task.data.update(data)

        counted = _counting(on_step)

        def run() -> None:
            task.run()
            if on_step is not None:
                on_step(_step(task))
            workflow.do_engine_steps(did_complete_task=counted)

        self._guarded(clock, workflow, run)

    def fire_timers(self, workflow: BpmnWorkflow, clock: Clock, on_step: StepListener | None = None) -> int:
        """Fire every due timer (one catch-up firing for missed cycles); how many fired."""
        counted = _counting(on_step)
        return self._guarded(clock, workflow, lambda: timers.fire_due_timers(workflow, clock.now(), counted))

    def _guarded(self, clock: Clock, workflow: BpmnWorkflow, operation: Callable[[], T]) -> T:
        """Run one transition under the clock and its budgets; any failure is an `EngineFailure`."""
        with timers.using_clock(clock), guards.transition(), _as_engine_failure():
            result = operation()
            _check_ended_through_an_end_event(workflow)
            self._check_outcome(workflow)
            return result

    def _check_outcome(self, workflow: BpmnWorkflow) -> None:
        """A workflow that ended must say how: an end without its outcome is the model's mistake."""
        if self.outcome_key is None or not workflow.is_completed():
            return
        if workflow.data.get(self.outcome_key) not in (None, ""):
            return
        ends = [t for t in workflow.tasks.values() if isinstance(t.task_spec, EndEvent)]
        last = max(ends, key=lambda t: t.last_state_change, default=None)
        raise EngineFailure(
            f"the programme reached its end without an outcome: set {self.outcome_key!r} before its end event",
            last.task_spec.bpmn_id if last is not None else None,
        )

    @staticmethod
    def next_due(workflow: BpmnWorkflow) -> datetime | None:
        return timers.next_due(workflow)

    @staticmethod
    def ready_tasks(workflow: BpmnWorkflow) -> list[ReadyTask]:
        return [
            ReadyTask(
                task_id=str(task.id),
                element_id=task.task_spec.bpmn_id,
                name=task.task_spec.bpmn_name or task.task_spec.bpmn_id,
                process_id=task.workflow.spec.name,
                lane=task.task_spec.lane,
            )
            for task in workflow.get_tasks(state=TaskState.READY, manual=True)
        ]

    @staticmethod
    def positions(workflow: BpmnWorkflow) -> list[Position]:
        """Every element a token waits at: user tasks, catch events, running call activities."""
        found = []
        for task in workflow.get_tasks(state=_WAITING):
            spec = task.task_spec
            if spec.bpmn_id is None or (task.state == TaskState.READY and not spec.manual):
                continue  # internal specs (start/end bookkeeping) and tasks about to run
            found.append(
                Position(
                    element_id=spec.bpmn_id,
                    process_id=task.workflow.spec.name,
                    kind=type(spec).__name__,
                    state=TaskState.get_name(task.state),
                )
            )
        return found

    # -- questions the host asks about a workflow (so that no code outside engine/ reads inside it) --

    @staticmethod
    def is_finished(workflow: Workflow) -> bool:
        """The workflow reached its end (or was cancelled): no token waits any more."""
        return workflow.is_completed()

    @staticmethod
    def cancel(workflow: Workflow) -> None:
        """Cancel every task still to run (a pathway ended by hand)."""
        workflow.cancel()

    @staticmethod
    def data_value(workflow: Workflow, key: str) -> Any:
        """What the model set under `key` in the workflow's own data (process level), or None."""
        return workflow.data.get(key)

    @staticmethod
    def waiting_values(workflow: Workflow, key: str) -> list[Any]:
        """The values under `key` in the data of each task waiting now, in the engine's order (no None)."""
        values = (task.data.get(key) for task in workflow.get_tasks(state=_WAITING))
        return [value for value in values if value is not None]

    @staticmethod
    def recorded_data(workflow: Workflow) -> dict[str, Any]:
        """The freshest value of every data field: the workflow's data, then the data of each task that
        ran or waits now, oldest change first (what a person's tasks recorded)."""
        merged: dict[str, Any] = dict(workflow.data)
        reached = TaskState.FINISHED_MASK | _WAITING
        entries = compaction.recorded(workflow)  # what tasks removed from the saved state recorded
        entries += [(t.last_state_change, t.data) for t in workflow.get_tasks() if t.has_state(reached)]
        for _changed_at, data in sorted(entries, key=lambda entry: entry[0]):
            merged.update(data)
        return merged


def _step(task: Any) -> Step:
    spec = task.task_spec
    return Step(spec.bpmn_id, spec.bpmn_name or spec.bpmn_id, task.workflow.spec.name)


def _counting(on_step: StepListener | None) -> Callable[[Any], None]:
    """SpiffWorkflow's `did_complete_task`: count the step against the budget, then tell `on_step`."""
    if on_step is None:
        return guards.count_step

    def counted(task: Any) -> None:
        guards.count_step(task)
        if task.task_spec.bpmn_id is not None:  # not SpiffWorkflow's own bookkeeping steps
            on_step(_step(task))

    return counted


def _check_ended_through_an_end_event(workflow: BpmnWorkflow) -> None:
    """A workflow with nothing left to do must have got there through an end event of its process.

    SpiffWorkflow only looks 1,000 tasks deep into a workflow's history: past that depth (a loop
    that waits for nobody, or a very long history), it sees no task left and calls the workflow
    completed, silently. That is a failure to report, never an end.
    """
    if not workflow.is_completed():
        return
    tasks = list(workflow.tasks.values())
    if any(isinstance(t.task_spec, EndEvent) and t.has_state(TaskState.COMPLETED) for t in tasks):
        return
    last = max(tasks, key=lambda t: t.last_state_change, default=None)
    element = last.task_spec.bpmn_id if last is not None else None
    raise EngineFailure(
        "the pathway stopped without reaching an end event: its history is deeper than the engine "
        "follows (a loop that waits for nobody?)",
        element,
    )


@contextmanager
def _as_engine_failure() -> Iterator[None]:
    try:
        yield
    except WorkflowException as exc:
        task = getattr(exc, "task", None)
        element = task.task_spec.bpmn_id if task is not None else None
        raise EngineFailure(_message(exc), element) from exc
    except ScriptError as exc:  # a budget exceeded between two tasks (engine steps, transition time)
        raise EngineFailure(str(exc), getattr(exc, "element_id", None)) from exc
    except (ValueError, TypeError, KeyError, ArithmeticError, AttributeError, NameError) as exc:
        # Errors raised by SpiffWorkflow outside a task context (e.g. a bad timer value).
        raise EngineFailure(f"{type(exc).__name__}: {exc}", None) from exc
    except (RecursionError, MemoryError) as exc:
        # A model too deep or too large for the engine: an incident, never a crash of the host.
        raise EngineFailure(f"{type(exc).__name__}: the model is too deep or too large to run", None) from exc


def _message(exc: WorkflowException) -> str:
    text = str(exc)
    error_line = getattr(exc, "error_line", None)
    return f"{text} ({error_line})" if error_line else text
