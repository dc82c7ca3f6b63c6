"""A pathway's saved state stays bounded however often a timer repeats or a loop turns (issue 13).

Each test runs a workflow through the runtime as the host does: every transition starts from the
state the previous one saved (`Runtime.dump`, then `Runtime.load`).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from SpiffWorkflow.spiff.parser import SpiffBpmnParser

from parcours_engine.domain.clock import FrozenClock
from parcours_engine.domain.errors import InvalidInput
from parcours_engine.engine import compaction, loader
from parcours_engine.engine.loader import ProcessModel
from parcours_engine.engine.runtime import Runtime, Step, Workflow
from parcours_engine.engine.timers import PARIS
from parcours_engine.pathways import forms
from parcours_engine.studio.sample_data import sample_form_data
from parcours_engine.studio.scenarios import PERSON_FIELDS, resolve_dates
from tests.conftest import REPO

START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d" targetNamespace="t">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>"""

# A user task with a daily non-interrupting reminder that counts itself in the data.
CYCLE = (
    _HEAD
    + """
    <bpmn:userTask id="handle"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:scriptTask id="close"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
      <bpmn:script>issue = "emploi"</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f5</bpmn:incoming></bpmn:endEvent>
    <bpmn:boundaryEvent id="every" attachedToRef="handle" cancelActivity="false">
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeCycle>"R/P1D"</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:scriptTask id="remind"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>reminded_on = today()</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="remind_end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="handle"/>
    <bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="close"/>
    <bpmn:sequenceFlow id="f5" sourceRef="close" targetRef="end"/>
    <bpmn:sequenceFlow id="f3" sourceRef="every" targetRef="remind"/>
    <bpmn:sequenceFlow id="f4" sourceRef="remind" targetRef="remind_end"/>
  </bpmn:process>
</bpmn:definitions>"""
)

# A monthly check: the referent checks, and while the person is present a month passes and again.
MONTHLY = (
    _HEAD
    + """
    <bpmn:exclusiveGateway id="merge"><bpmn:incoming>f1</bpmn:incoming><bpmn:incoming>f5</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:userTask id="check"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:exclusiveGateway id="again" default="f6"><bpmn:incoming>f3</bpmn:incoming>
      <bpmn:outgoing>f4</bpmn:outgoing><bpmn:outgoing>f6</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:intermediateCatchEvent id="month"><bpmn:incoming>f4</bpmn:incoming><bpmn:outgoing>f5</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeDuration>"P1M"</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:scriptTask id="close"><bpmn:incoming>f6</bpmn:incoming><bpmn:outgoing>f7</bpmn:outgoing>
      <bpmn:script>issue = "fin_suivi"</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f7</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="merge"/>
    <bpmn:sequenceFlow id="f2" sourceRef="merge" targetRef="check"/>
    <bpmn:sequenceFlow id="f3" sourceRef="check" targetRef="again"/>
    <bpmn:sequenceFlow id="f4" sourceRef="again" targetRef="month">
      <bpmn:conditionExpression>present</bpmn:conditionExpression></bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f5" sourceRef="month" targetRef="merge"/>
    <bpmn:sequenceFlow id="f6" sourceRef="again" targetRef="close"/>
    <bpmn:sequenceFlow id="f7" sourceRef="close" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
)


class _Model:
    def __init__(self, xml: str) -> None:
        parser = SpiffBpmnParser()
        parser.add_bpmn_str(xml.encode())
        self.spec = parser.get_spec("p")
        self.subprocess_specs: dict[str, Any] = {}


class _Host:
    """Saves after each transition and loads before the next, as the pathway services do."""

    def __init__(self, xml: str) -> None:
        self.model, self.runtime, self.clock = _Model(xml), Runtime(outcome_key="issue"), FrozenClock(START)
        self.history: list[str] = []
        self._save(self.runtime.start(self.model, {}, self.clock, self._record))  # type: ignore[arg-type]

    def _record(self, step: Step) -> None:
        self.history.append(step.element_id)

    def _save(self, workflow: Workflow) -> None:
        self.state, self.version = Runtime.dump(workflow)

    def workflow(self) -> Workflow:
        return self.runtime.load(self.model, self.state, self.version)  # type: ignore[arg-type]

    def fire(self, days: int) -> int:
        self.clock.advance(timedelta(days=days))
        workflow = self.workflow()
        fired = self.runtime.fire_timers(workflow, self.clock, self._record)
        self._save(workflow)
        return fired

    def complete(self, element_id: str, data: dict[str, Any]) -> Workflow:
        workflow = self.workflow()
        task = next(t for t in Runtime.ready_tasks(workflow) if t.element_id == element_id)
        self.runtime.complete(workflow, task.task_id, data, self.clock, self._record)
        self._save(workflow)
        return workflow


def test_a_daily_reminder_fired_500_times_keeps_the_state_small_and_the_pathway_running() -> None:
    host = _Host(CYCLE)
    host.clock.advance(minutes=1)  # each occurrence is due at 09:00; the job runs just after
    sizes = {}
    for firing in range(1, 501):
        assert host.fire(1) == 1
        sizes[firing] = len(host.state)
    assert sizes[500] < 2 * sizes[5]
    assert host.history.count("remind") == 500  # every occurrence ran; the saved state is not the history
    assert host.fire(1) == 1  # the next occurrence still comes
    workflow = host.complete("handle", {})
    assert Runtime.is_finished(workflow)
    assert Runtime.data_value(workflow, "issue") == "emploi"
    # The reminders' data reached the end as without compaction: SpiffWorkflow merges the branches
    # that ended, not the one still waiting when the task closed (the last day's).
    assert Runtime.data_value(workflow, "reminded_on") == host.clock.now().date() - timedelta(days=1)
    assert host.history[-3:] == ["handle", "close", "end"]


@pytest.mark.parametrize("xml", [CYCLE, MONTHLY], ids=["reminder", "monthly check"])
def test_compaction_changes_no_data(xml: str) -> None:
    """The end data and the recorded data are those of the same run without compaction."""
    outcomes = []
    for compacting in (True, False):
        with mock.patch.object(compaction, "compact", compaction.compact if compacting else lambda wf: 0):
            host = _Host(xml)
            host.clock.advance(minutes=1)
            for turn in range(1, 6):
                if xml is MONTHLY:
                    host.complete("check", {"present": True, f"note_{turn % 2}": turn})
                host.fire(32)
            workflow = host.complete("handle" if xml is CYCLE else "check", {"present": False})
            outcomes.append(
                (dict(workflow.data), Runtime.recorded_data(workflow), len(host.state), host.history)
            )
    (data, recorded, size, history), (data_off, recorded_off, size_off, history_off) = outcomes
    assert (data, recorded, history) == (data_off, recorded_off, history_off)
    assert size < size_off


def test_a_monthly_check_loop_keeps_the_state_small_past_the_engines_depth() -> None:
    # 400 turns of 4 elements nest 1,600 deep without compaction, past the 1,000 levels SpiffWorkflow
    # looks at: the pathway would seem to end without reaching its end event.
    host = _Host(MONTHLY)
    sizes = {}
    for turn in range(1, 401):
        host.complete("check", {"present": True, f"note_{turn % 3}": turn})
        assert host.fire(32) == 1
        sizes[turn] = len(host.state)
    assert sizes[400] < 2 * sizes[5]
    assert [t.element_id for t in Runtime.ready_tasks(host.workflow())] == ["check"]
    workflow = host.complete("check", {"present": False})
    assert Runtime.is_finished(workflow) and Runtime.data_value(workflow, "issue") == "fin_suivi"
    recorded = Runtime.recorded_data(workflow)
    assert (recorded["note_0"], recorded["note_1"], recorded["note_2"]) == (399, 400, 398)
    assert host.history.count("check") == 401 and host.history[-2:] == ["close", "end"]


# --- a real programme: RSA's loop through call activities, beside the CER's renewal loop ----------


@pytest.fixture(scope="module")
def rsa() -> ProcessModel:
    bpmn, form_files = loader.read_library_dir(REPO / "processes", REPO / "forms")
    return loader.load_library(bpmn, form_files).programmes["rsa_accompagnement"]


class _RsaPathway:
    """One RSA pathway as the host runs it (saved and loaded at each transition), its tasks answered
    with valid answers drawn from their forms: the referent always chooses a job search whose point
    comes `days_per_turn` later, and renews the CER (three months) at each review."""

    def __init__(self, model: ProcessModel, days_per_turn: int) -> None:
        self.model, self.runtime = model, Runtime(outcome_key="issue")
        self.clock, self.rng = FrozenClock(START), random.Random(7)
        self.given: dict[str, dict[str, Any]] = {
            "Task_signer_cer": {"duree_cer_mois": 3},
            "Task_choisir_etape": {"prochaine_etape": "recherche_emploi"},
            "Task_recherche_emploi_plan_recherche": {"date_fin_prevue": f"today+{days_per_turn}d"},
            "Task_renouveler_cer": {"renouvellement_cer": True, "duree_cer_mois": 3},
        }
        self.history: list[str] = []
        self.turns: list[tuple[int, int]] = []  # (saved size, tasks kept) when each turn's step is chosen
        person = resolve_dates(dict(PERSON_FIELDS), START.date())
        workflow = self.runtime.start(model, {**person, "programme_code": "rsa_accompagnement"}, self.clock)
        self.state, self.version = Runtime.dump(workflow)

    def workflow(self) -> Workflow:
        return self.runtime.load(self.model, self.state, self.version)

    def step(self) -> Workflow:
        """Complete the first task waiting for a person, or else fire the next timer; then save."""
        workflow = self.workflow()
        ready = Runtime.ready_tasks(workflow)
        if ready:
            task = ready[0]
            self.runtime.complete(
                workflow, task.task_id, self._answers(task.element_id), self.clock, self._record
            )
            if task.element_id == "Task_choisir_etape":
                self.turns.append((len(self.state), _task_count(workflow)))
        else:
            due = Runtime.next_due(workflow)
            assert due is not None
            self.clock.set(max(self.clock.now(), due + timedelta(seconds=1)))
            self.runtime.fire_timers(workflow, self.clock, self._record)
        self.state, self.version = Runtime.dump(workflow)
        return workflow

    def run_turns(self, count: int) -> None:
        while len(self.turns) < count:
            assert not Runtime.is_finished(self.step())

    def _answers(self, element_id: str) -> dict[str, Any]:
        form = self.model.elements[element_id].form
        if form is None:
            return {}
        today = self.clock.now().astimezone(PARIS).date()
        given = resolve_dates(self.given.get(element_id, {}), today)
        schema = forms.schema(self.model, form)
        for _ in range(20):
            drawn = sample_form_data(schema, self.rng, today, given=given, optional=0, future_ends=True)
            try:
                return forms.validate(self.model, form, drawn, today)
            except InvalidInput:
                continue
        raise AssertionError(f"no valid answers drawn for {form}")

    def _record(self, step: Step) -> None:
        self.history.append(step.element_id)


def _task_count(workflow: Workflow) -> int:
    return len(workflow.tasks) + sum(len(sub.tasks) for sub in workflow.subprocesses.values())


def test_an_rsa_pathway_turning_100_times_through_its_blocks_keeps_a_flat_state(rsa: ProcessModel) -> None:
    # 100 job searches of 5 days: 500 days, within the 18 months, with the CER renewed every 3 months.
    # Without compaction each turn kept its block's sub-workflow and the CER's splits and ended
    # branches: ~6 KB more per turn (0.6 MB after 100 turns).
    pathway = _RsaPathway(rsa, days_per_turn=5)
    pathway.run_turns(100)
    sizes = [size for size, _tasks in pathway.turns]
    tasks = [count for _size, count in pathway.turns]
    assert max(tasks[50:]) <= max(tasks[:50])
    assert max(sizes[50:]) < 1.05 * max(sizes[:50]) and max(sizes) < 1.5 * sizes[0]
    assert pathway.history.count("Call_recherche_emploi") >= 99  # the history the host records is whole
    assert pathway.history.count("Task_renouveler_cer") >= 5
    # The pathway runs on: the referent closes it, and it ends through its exit with its outcome.
    pathway.given["Task_choisir_etape"] = {"prochaine_etape": "sortie"}
    workflow = pathway.workflow()
    while not Runtime.is_finished(workflow):
        workflow = pathway.step()
    assert Runtime.data_value(workflow, "issue") not in (None, "")
    assert pathway.history[-1] == "End_rsa"


def test_compaction_changes_no_data_of_an_rsa_pathway(rsa: ProcessModel) -> None:
    """Ten turns and a CER renewal, then the exit: the same path, end data and recorded data as
    the same run without compaction."""
    outcomes = []
    for compacting in (True, False):
        with mock.patch.object(compaction, "compact", compaction.compact if compacting else lambda wf: 0):
            pathway = _RsaPathway(rsa, days_per_turn=10)
            pathway.run_turns(10)
            pathway.given["Task_choisir_etape"] = {"prochaine_etape": "sortie"}
            workflow = pathway.workflow()
            while not Runtime.is_finished(workflow):
                workflow = pathway.step()
            outcomes.append((dict(workflow.data), Runtime.recorded_data(workflow), pathway.history))
    (data, recorded, history), (data_off, recorded_off, history_off) = outcomes
    assert "Task_renouveler_cer" in history
    assert (data, recorded, history) == (data_off, recorded_off, history_off)
