"""Simulate a programme through time, in memory: the path it takes, its outcome and every incident.

A coordinator tries a model before publishing it (`parcours-engine processes simulate`, the studio's
"Simuler" panel, `processes check --scenarios`). The programme runs on the host's own runtime (the
restricted scripts and their budgets, the timers, the rule that a programme ends only with its
`issue`), its state saved and restored after each transition as the host does, each task's answers
validated by the form as the host validates them (pathways.forms), under a virtual clock. Each task
is answered from the scenario, or with valid answers drawn from its form; when every task left
waits, the clock jumps to the next timer.

Why the runtime and not a scratch database: nothing is written anywhere, so no real pathway can be
touched by construction; a run takes milliseconds, which a studio request and a check of every
scenario at publish can afford (a migrated scratch database and a publish take a second before the
first step); and a draft runs as it is, unpublished. What the host adds around the engine, which
the path does not need, is reported instead of done: the referent a model routes to (`csp_affecte`)
and the programme a reorientation starts (`programme_suivant`).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from parcours_engine.domain.clock import FrozenClock
from parcours_engine.domain.errors import InvalidInput, ParcoursError
from parcours_engine.domain.messages import render
from parcours_engine.domain.roles import role_for_lane
from parcours_engine.domain.script_messages import Said
from parcours_engine.engine import script_messages
from parcours_engine.engine.loader import ProcessModel
from parcours_engine.engine.runtime import EngineFailure, ReadyTask, Runtime, Step, Workflow
from parcours_engine.engine.timers import PARIS
from parcours_engine.pathways import forms, models_cache
from parcours_engine.studio.sample_data import sample_form_data
from parcours_engine.studio.scenarios import WAIT, Answer, Expectations, Scenario, resolve_dates

MAX_TRANSITIONS = 1000  # tasks completed and timer firings, per run
# Wall time for a whole run: each transition has its own budget (engine/budgets.py), but a thousand of
# them could keep a studio request busy for minutes.
TIME_BUDGET_S = 20.0
HORIZON = timedelta(days=3660)  # a timer due later than ten years after the start ends the run
_DRAWS = 20  # attempts at drawing answers the form accepts
# What a model's data can do to the save (see pathways.pathways.MODEL_DATA_FAILURES).
_SAVE_FAILURES = (RecursionError, MemoryError, ValueError, OverflowError, TypeError)


@dataclass(frozen=True)
class PathStep:
    """One element the pathway went through, at the virtual time it happened."""

    at: datetime
    element_id: str
    name: str
    kind: str  # the BPMN element (userTask, scriptTask, exclusiveGateway, intermediateCatchEvent...)
    process_id: str  # the programme, or the block or sub-process holding the element
    lane: str | None = None  # user tasks: the lane's code
    answered: str | None = None  # user tasks: "scenario" or "generated"
    data: dict[str, Any] | None = None  # user tasks: the answers submitted


@dataclass(frozen=True)
class Incident:
    """A transition that failed: the host would roll it back and record an incident."""

    at: datetime
    element_id: str | None
    operation: str  # start, complete_task, fire_timers
    code: str
    params: dict[str, Any]

    def message(self, language: str = "fr") -> str:
        return render(self.code, self.params, language)


@dataclass
class Simulation:
    programme: str
    scenario: str
    title: str
    seed: int
    started_at: datetime
    ended_at: datetime
    steps: list[PathStep] = field(default_factory=list)
    incidents: list[Incident] = field(default_factory=list)
    finished: bool = False
    outcome: str | None = None
    follow_on: str | None = None  # the programme a reorientation starts
    waiting: list[str] = field(default_factory=list)  # where an unfinished run stopped
    stop: str | None = None  # why an unfinished run stopped: a catalogue code

    def as_dict(self, language: str = "fr") -> dict[str, Any]:
        """For the studio page and `--json`: dates as ISO text, messages in `language`."""
        return {
            "programme": self.programme,
            "scenario": self.scenario,
            "title": self.title,
            "seed": self.seed,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat(),
            "finished": self.finished,
            "outcome": self.outcome,
            "follow_on": self.follow_on,
            "waiting": self.waiting,
            "stop": None if self.stop is None else render(self.stop, {}, language),
            "steps": [
                {
                    "at": s.at.isoformat(),
                    "element": s.element_id,
                    "name": s.name,
                    "kind": s.kind,
                    "process": s.process_id,
                    "lane": s.lane,
                    "answered": s.answered,
                    "data": s.data,
                }
                for s in self.steps
            ],
            "incidents": [
                {
                    "at": i.at.isoformat(),
                    "element": i.element_id,
                    "operation": i.operation,
                    "message": i.message(language),
                }
                for i in self.incidents
            ],
        }


def simulate(
    model: ProcessModel,
    scenario: Scenario,
    runtime: Runtime | None = None,
    time_budget_s: float | None = None,
) -> Simulation:
    """Run `model` from `scenario`'s start until it ends or cannot go on; never raises for the model."""
    budget = TIME_BUDGET_S if time_budget_s is None else time_budget_s
    return _Run(model, scenario, runtime or models_cache.runtime(), time.monotonic() + budget).run()


def unmet(simulation: Simulation, expect: Expectations | None) -> list[tuple[str, dict[str, Any]]]:
    """What a scenario expected and the run did not do, as catalogue codes and their parameters."""
    if expect is None:
        expect = Expectations()
    found: list[tuple[str, dict[str, Any]]] = []
    if expect.finished and not simulation.finished:
        found.append(("simulation.expected_end", {"waiting": ", ".join(simulation.waiting) or "-"}))
    if expect.outcome is not None and simulation.outcome != expect.outcome:
        found.append(
            ("simulation.expected_outcome", {"expected": expect.outcome, "got": simulation.outcome or "-"})
        )
    if len(simulation.incidents) != expect.incidents:
        found.append(
            (
                "simulation.expected_incidents",
                {"expected": expect.incidents, "got": len(simulation.incidents)},
            )
        )
    position = 0
    for wanted in expect.path:
        names = [(s.name, s.element_id) for s in simulation.steps[position:]]
        index = next((i for i, pair in enumerate(names) if wanted in pair), None)
        if index is None:
            found.append(("simulation.expected_step", {"step": wanted}))
            break
        position += index + 1
    return found


class _AnswersRefused(Exception):
    def __init__(self, code: str, params: dict[str, Any]) -> None:
        super().__init__(code)
        self.code, self.params = code, params


class _Run:
    def __init__(self, model: ProcessModel, scenario: Scenario, runtime: Runtime, deadline: float) -> None:
        self.model, self.scenario, self.runtime, self.deadline = model, scenario, runtime, deadline
        self.clock = FrozenClock(scenario.start)
        self.rng = random.Random(scenario.seed)  # noqa: S311 - reproducible sample answers, not secrets
        self.used: dict[str, int] = {}  # answers key -> entries used
        self.failed: set[str] = set()  # tasks whose completion failed: not tried again
        self.sim = Simulation(
            model.process_id, scenario.name, scenario.title, scenario.seed, scenario.start, scenario.start
        )
        self.workflow: Workflow | None = None
        self.saved: tuple[str, str] | None = None

    def run(self) -> Simulation:
        data = {**self.scenario.person, "programme_code": self.model.process_id}
        if self._transition("start", None, lambda on: self._start(data, on)):
            self._loop()
        self._finish()
        return self.sim

    def _start(self, data: Mapping[str, Any], on_step: Callable[[Step], None]) -> None:
        self.workflow = self.runtime.start(self.model, data, self.clock, on_step)

    def _loop(self) -> None:
        timers_broken = False
        for _ in range(MAX_TRANSITIONS):
            workflow = self._workflow()
            if Runtime.is_finished(workflow):
                return
            if time.monotonic() > self.deadline:
                self.sim.stop = "simulation.stopped_time"
                return
            task = self._next_task(workflow)
            if task is not None:
                self._complete(workflow, task)
                continue
            due = None if timers_broken else Runtime.next_due(workflow)
            if due is None:
                self.sim.stop = "simulation.stopped_stuck"
                return
            if due > self.scenario.start + HORIZON:
                self.sim.stop = "simulation.stopped_horizon"
                return
            self._used_waits(workflow)
            self.clock.set(max(self.clock.now(), due + timedelta(seconds=1)))  # fired strictly after
            fired = self._transition("fire_timers", None, lambda on: self._fire(on))
            timers_broken = timers_broken or not fired
        self.sim.stop = "simulation.stopped_too_long"

    def _fire(self, on_step: Callable[[Step], None]) -> None:
        self.runtime.fire_timers(self._workflow(), self.clock, on_step)

    def _next_task(self, workflow: Workflow) -> ReadyTask | None:
        for task in Runtime.ready_tasks(workflow):
            if task.task_id not in self.failed and self._entry(task) != WAIT:
                return task
        return None

    def _complete(self, workflow: Workflow, task: ReadyTask) -> None:
        try:
            data, how = self._answers(task)
        except _AnswersRefused as refused:
            self._incident(task.element_id, "complete_task", refused.code, refused.params)
            self.failed.add(task.task_id)
            return
        self._consume(task)
        marked = {"element": task.element_id, "answered": how, "data": data}

        def run(on_step: Callable[[Step], None]) -> None:
            self.runtime.complete(workflow, task.task_id, data, self.clock, on_step)

        if not self._transition("complete_task", task.element_id, run, marked):
            self.failed.add(task.task_id)

    # -- answers -----------------------------------------------------------------------------------

    def _keys(self, task: ReadyTask) -> list[str]:
        return [key for key in (task.element_id, task.name) if key in self.scenario.answers]

    def _entry(self, task: ReadyTask) -> Answer | None:
        for key in self._keys(task):
            entries = self.scenario.answers[key]
            return entries[min(self.used.get(key, 0), len(entries) - 1)]
        return None

    def _consume(self, task: ReadyTask) -> None:
        for key in self._keys(task)[:1]:
            self.used[key] = self.used.get(key, 0) + 1

    def _used_waits(self, workflow: Workflow) -> None:
        """The clock jumps: every task waiting on a `wait` has had its wait."""
        for task in Runtime.ready_tasks(workflow):
            if self._entry(task) == WAIT:
                self._consume(task)

    def _answers(self, task: ReadyTask) -> tuple[dict[str, Any], str]:
        meta = self.model.elements.get(task.element_id)
        form = meta.form if meta is not None else None
        entry = self._entry(task)
        today = self.clock.now().astimezone(PARIS).date()
        given = resolve_dates(dict(entry), today) if isinstance(entry, Mapping) else {}
        how = "scenario" if given else "generated"
        if form is None:
            return {}, how
        try:
            schema = forms.schema(self.model, form)
        except ParcoursError:
            raise _AnswersRefused("task.form_missing", {"form": form}) from None
        refused: InvalidInput | None = None
        for _ in range(_DRAWS):
            drawn = sample_form_data(schema, self.rng, today, given=given, optional=0, future_ends=True)
            try:
                return forms.validate(self.model, form, drawn, today), how
            except InvalidInput as error:
                refused = error
                if given and set(error.field_errors) <= set(given):
                    break  # the scenario's own answers are wrong: drawing again will not help
            except ParcoursError as error:  # the form itself is unusable
                raise _AnswersRefused(
                    "simulation.form_unusable", {"form": form, "detail": str(error)}
                ) from None
        fields = ", ".join(sorted(refused.field_errors)) if refused is not None else "-"
        code = "simulation.answers_refused" if given else "simulation.answers_not_drawn"
        raise _AnswersRefused(code, {"task": task.name, "form": form, "fields": fields})

    # -- transitions, as the host runs them ---------------------------------------------------------

    def _transition(
        self,
        operation: str,
        element_id: str | None,
        run: Callable[[Callable[[Step], None]], None],
        marked: dict[str, Any] | None = None,
    ) -> bool:
        """Run one transition and save the state; on failure, an incident and the state as it was
        before (the host rolls back)."""
        steps: list[Step] = []
        try:
            run(steps.append)
            # Saved as the host saves (data too deep or too big to save fails here); restored only
            # after a failure, as the host reloads the state it kept.
            self.saved = Runtime.dump(self._workflow())
        except EngineFailure as failure:
            self._failed(failure.element_id or element_id, operation, failure)
            self._restore()
            return False
        except _SAVE_FAILURES as exc:
            said, _line = script_messages.failure(exc)
            detail = Said(said.code, said.params, f"{type(exc).__name__}: {str(exc)[:300]}")
            self._incident(element_id, operation, "simulation.engine_failure", {"detail": detail})
            self._restore()
            return False
        now = self.clock.now()
        for step in steps:
            self.sim.steps.append(self._path_step(step, now, marked))
        return True

    def _failed(self, element_id: str | None, operation: str, failure: EngineFailure) -> None:
        """An incident naming the element by its name and what its code did wrong, said in the reader's
        language (the English is the engine's own text)."""
        said, line = script_messages.failure(failure)
        english = str(failure)
        detail = (
            Said.of("script.at_line", english, line=line, detail=said)
            if line
            else Said(said.code, said.params, english)
        )
        meta = self.model.elements.get(element_id or "")
        if meta is None or element_id is None:
            self._incident(element_id, operation, "simulation.engine_failure", {"detail": detail})
            return
        who = f"« {meta.name} » ({element_id})" if meta.name and meta.name != element_id else element_id
        self._incident(element_id, operation, "simulation.element_failed", {"who": who, "detail": detail})

    def _path_step(self, step: Step, now: datetime, marked: dict[str, Any] | None) -> PathStep:
        meta = self.model.elements.get(step.element_id)
        kind = meta.kind if meta is not None else "element"
        if kind != "userTask":
            return PathStep(now, step.element_id, step.name, kind, step.process_id)
        role = role_for_lane(meta.lane if meta is not None else None)
        mine = marked is not None and marked["element"] == step.element_id
        return PathStep(
            now,
            step.element_id,
            step.name,
            kind,
            step.process_id,
            role.code if role is not None else None,
            marked["answered"] if mine and marked is not None else None,
            marked["data"] if mine and marked is not None else None,
        )

    def _incident(self, element_id: str | None, operation: str, code: str, params: dict[str, Any]) -> None:
        self.sim.incidents.append(Incident(self.clock.now(), element_id, operation, code, params))

    def _restore(self) -> None:
        self.workflow = None if self.saved is None else self.runtime.load(self.model, *self.saved)

    def _workflow(self) -> Workflow:
        if self.workflow is None:
            raise RuntimeError("the simulation has no workflow")
        return self.workflow

    def _finish(self) -> None:
        self.sim.ended_at = self.clock.now()
        if self.workflow is None:
            self.sim.stop = self.sim.stop or "simulation.stopped_at_start"
            return
        self.sim.finished = Runtime.is_finished(self.workflow)
        self.sim.outcome = _text(Runtime.data_value(self.workflow, "issue"))
        if self.sim.finished:
            self.sim.stop = None
            if self.sim.outcome == "reorientation":
                self.sim.follow_on = _text(Runtime.data_value(self.workflow, "programme_suivant"))
            return
        names = {meta.element_id: meta.name for meta in self.model.elements.values()}
        self.sim.waiting = [names.get(p.element_id) or p.element_id for p in Runtime.positions(self.workflow)]
        self.sim.stop = self.sim.stop or "simulation.stopped_stuck"


def _text(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
