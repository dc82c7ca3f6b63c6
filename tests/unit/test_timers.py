"""Clock-driven timers: a FrozenClock moves, timers fire; nothing sleeps."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from parcours_engine.domain.clock import FrozenClock
from parcours_engine.engine import timers
from parcours_engine.engine.scripting import RestrictedScriptEngine

BPMN_DIR = Path(__file__).parent / "bpmn"
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # Monday 10:00 in Paris
ENGINE = RestrictedScriptEngine()

_HEAD = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="defs" targetNamespace="http://example.org/parcours/tests">"""

# start -> timer catch event -> user task "after"
CATCH_PROCESS = (
    _HEAD
    + """
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:intermediateCatchEvent id="wait"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:{kind}>{text}</bpmn:{kind}></bpmn:timerEventDefinition>
    </bpmn:intermediateCatchEvent>
    <bpmn:userTask id="after"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="wait"/>
    <bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="after"/>
    <bpmn:sequenceFlow id="f3" sourceRef="after" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""
)

# A user task with a non-interrupting cycle timer that runs the "remind" script at each occurrence.
CYCLE_PROCESS = (
    _HEAD
    + """
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="handle"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing></bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:boundaryEvent id="every" attachedToRef="handle" cancelActivity="false">
      <bpmn:outgoing>f3</bpmn:outgoing>
      <bpmn:timerEventDefinition><bpmn:timeCycle>{text}</bpmn:timeCycle></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:scriptTask id="remind"><bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
      <bpmn:script>reminded_on = today()</bpmn:script></bpmn:scriptTask>
    <bpmn:endEvent id="remind_end"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="handle"/>
    <bpmn:sequenceFlow id="f2" sourceRef="handle" targetRef="end"/>
    <bpmn:sequenceFlow id="f3" sourceRef="every" targetRef="remind"/>
    <bpmn:sequenceFlow id="f4" sourceRef="remind" targetRef="remind_end"/>
  </bpmn:process>
</bpmn:definitions>"""
)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


def _start(clock: FrozenClock, *xml_files: bytes, process_id: str = "p", **data: Any) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    for xml in xml_files:
        parser.add_bpmn_str(xml)
    spec = parser.get_spec(process_id)
    workflow = BpmnWorkflow(spec, parser.get_subprocess_specs(process_id), script_engine=ENGINE)
    workflow.task_tree.data.update(data)
    with timers.using_clock(clock):
        workflow.do_engine_steps()
    return workflow


def _catch(clock: FrozenClock, kind: str, text: str, **data: Any) -> BpmnWorkflow:
    return _start(clock, CATCH_PROCESS.format(kind=kind, text=escape(text)).encode(), **data)


def _cycle(clock: FrozenClock, text: str) -> BpmnWorkflow:
    return _start(clock, CYCLE_PROCESS.format(text=escape(text)).encode())


def _ready(workflow: BpmnWorkflow) -> list[str]:
    return sorted(t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True))


def _completed(workflow: BpmnWorkflow, bpmn_id: str) -> int:
    return sum(
        1 for t in workflow.get_tasks() if t.task_spec.bpmn_id == bpmn_id and t.has_state(TaskState.COMPLETED)
    )


def _cycle_state(workflow: BpmnWorkflow) -> dict[str, Any] | None:
    task = next(t for t in workflow.get_tasks() if t.task_spec.bpmn_id == "every")
    value = task.internal_data.get("event_value")
    return value if isinstance(value, dict) else None


# --- the proxy installed in SpiffWorkflow ------------------------------------------------------------


def test_install_clock_is_idempotent_and_keeps_datetime_working(clock: FrozenClock) -> None:
    timers.install_clock()
    timers.install_clock()
    proxy = spiff_timer.datetime
    assert proxy is timers.ClockDatetime
    assert isinstance(START, proxy)
    assert not isinstance(START.date(), proxy)
    assert proxy.fromisoformat("2026-01-01T00:00:00+00:00") == datetime(2026, 1, 1, tzinfo=UTC)
    assert type(proxy(2026, 1, 1)) is datetime
    with timers.using_clock(clock):
        assert proxy.now(UTC) == START
    # Outside any clock context, the wall clock.
    assert abs(proxy.now(UTC) - datetime.now(UTC)) < timedelta(seconds=5)


def test_using_clock_nests_and_restores() -> None:
    outer, inner = FrozenClock(START), FrozenClock(START + timedelta(days=1))
    with timers.using_clock(outer):
        with timers.using_clock(inner):
            assert timers.current_clock() is inner
        assert timers.current_clock() is outer
    assert timers.current_clock() is not outer


def test_a_date_without_offset_is_paris_time() -> None:
    timers.install_clock()
    get = spiff_timer.TimerEventDefinition.get_datetime
    assert get("2026-07-01T09:00:00") == datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # summer: +02:00
    assert get("2026-01-15T09:00:00") == datetime(2026, 1, 15, 8, 0, tzinfo=UTC)  # winter: +01:00


# --- timers driven by a FrozenClock ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "text", "due"),
    [
        ("timeDuration", "PT1H", START + timedelta(hours=1)),
        ("timeDuration", '"PT1H"', START + timedelta(hours=1)),
        ("timeDuration", "  P18M  ", datetime(2027, 7, 5, 9, 0, tzinfo=UTC)),
        ("timeDuration", "timedelta(days=delay)", START + timedelta(days=3)),
        ("timeDate", "2026-02-01T09:00:00+01:00", datetime(2026, 2, 1, 8, 0, tzinfo=UTC)),
        ("timeDate", "'2026-02-01T09:00:00'", datetime(2026, 2, 1, 8, 0, tzinfo=UTC)),
        ("timeDate", "add_days(today(), delay)", datetime(2026, 1, 7, 23, 0, tzinfo=UTC)),
        ("timeDate", "entry_date", datetime(2026, 1, 9, 23, 0, tzinfo=UTC)),
    ],
)
def test_timer_waits_then_fires_when_the_clock_passes_its_due_time(
    clock: FrozenClock, kind: str, text: str, due: datetime
) -> None:
    workflow = _catch(clock, kind, text, delay=3, entry_date="2026-01-10")
    assert timers.next_due(workflow) == due
    clock.set(due - timedelta(seconds=1))
    assert timers.fire_due_timers(workflow, clock.now()) == 0
    assert _ready(workflow) == []
    clock.set(due + timedelta(seconds=1))
    assert timers.fire_due_timers(workflow, clock.now()) == 1
    assert _ready(workflow) == ["after"]
    assert timers.next_due(workflow) is None


@pytest.mark.parametrize(
    ("text", "first_due"),
    [
        ("R3/PT1H", START + timedelta(hours=1)),
        ("'R3/PT1H'", START + timedelta(hours=1)),
        ("R/2026-01-06T00:00:00+01:00/P1D", datetime(2026, 1, 5, 23, 0, tzinfo=UTC)),
    ],
)
def test_cycle_timers_fire_at_each_occurrence(clock: FrozenClock, text: str, first_due: datetime) -> None:
    workflow = _cycle(clock, text)
    assert timers.next_due(workflow) == first_due
    clock.set(first_due + timedelta(minutes=1))
    assert timers.fire_due_timers(workflow, clock.now()) == 1
    assert _completed(workflow, "remind") == 1
    assert _ready(workflow) == ["handle"]  # non-interrupting: the user task still waits
    second_due = timers.next_due(workflow)
    assert second_due is not None and second_due > clock.now()
    clock.set(second_due + timedelta(minutes=1))
    assert timers.fire_due_timers(workflow, clock.now()) == 1
    assert _completed(workflow, "remind") == 2


def test_a_bad_timer_value_fails_clearly(clock: FrozenClock) -> None:
    with pytest.raises(WorkflowTaskException, match="'P18X', which is not an ISO 8601 duration"):
        _catch(clock, "timeDuration", "bad", bad="P18X")


def test_a_refused_timer_expression_fails_clearly(clock: FrozenClock) -> None:
    with pytest.raises(WorkflowTaskException, match="name '__import__' is not allowed"):
        _catch(clock, "timeDate", "__import__('os')")


# --- catching up after downtime -----------------------------------------------------------------------


def test_an_unbounded_cycle_missed_for_ten_days_fires_once_and_moves_on(clock: FrozenClock) -> None:
    workflow = _cycle(clock, "R/P1D")
    clock.advance(days=10, hours=1)
    assert timers.fire_due_timers(workflow, clock.now()) == 1
    assert _completed(workflow, "remind") == 1
    due = timers.next_due(workflow)
    assert due is not None and clock.now() < due <= clock.now() + timedelta(days=1)
    assert due == START + timedelta(days=11)  # still on the original schedule


def test_a_finite_cycle_loses_the_skipped_occurrences(clock: FrozenClock) -> None:
    workflow = _cycle(clock, "R10/P1D")
    clock.advance(days=5, hours=1)  # occurrences of days 1..5 missed
    assert timers.fire_due_timers(workflow, clock.now()) == 1
    assert _completed(workflow, "remind") == 1
    assert _cycle_state(workflow) == {
        "cycles": 5,  # 10 - 4 skipped - 1 fired
        "next": (START + timedelta(days=6)).isoformat(),
        "duration": 86400.0,
    }
    assert timers.next_due(workflow) == START + timedelta(days=6)


def test_a_finite_cycle_missed_entirely_fires_once_then_is_done(clock: FrozenClock) -> None:
    workflow = _cycle(clock, "R10/P1D")
    clock.advance(days=10, hours=1)  # all ten occurrences missed
    assert timers.fire_due_timers(workflow, clock.now()) == 1
    assert _completed(workflow, "remind") == 1
    clock.advance(days=30)
    assert timers.fire_due_timers(workflow, clock.now()) == 0
    assert _completed(workflow, "remind") == 1
    assert timers.next_due(workflow) is None
    assert _ready(workflow) == ["handle"]


def test_catch_up_leaves_a_cycle_alone_when_at_most_one_occurrence_was_missed(clock: FrozenClock) -> None:
    workflow = _cycle(clock, "R10/P1D")
    clock.advance(days=1, hours=23)
    assert timers.catch_up_cycles(workflow, clock.now()) == 0
    clock.advance(hours=2)
    assert timers.catch_up_cycles(workflow, clock.now()) == 1


# --- scheduling -----------------------------------------------------------------------------------


def test_next_due_looks_inside_call_activities(clock: FrozenClock) -> None:
    workflow = _start(
        clock,
        (BPMN_DIR / "call_parent.bpmn").read_bytes(),
        (BPMN_DIR / "call_child.bpmn").read_bytes(),
        process_id="parent",
    )
    assert timers.next_due(workflow) == START + timedelta(days=3)  # the child's timer, not P5D
    clock.advance(days=3, minutes=1)
    assert timers.fire_due_timers(workflow, clock.now()) == 1
    assert _ready(workflow) == ["follow_up"]
    assert timers.next_due(workflow) == START + timedelta(days=5)  # the parent's deadline remains
    clock.advance(days=2)
    assert timers.fire_due_timers(workflow, clock.now()) == 1
    assert workflow.is_completed()
    assert timers.next_due(workflow) is None


def test_next_due_is_none_without_timers(clock: FrozenClock) -> None:
    workflow = _start(
        clock, (BPMN_DIR / "gateway.bpmn").read_bytes(), process_id="orientation", birth_date="2000-01-01"
    )
    assert timers.next_due(workflow) is None
    assert timers.fire_due_timers(workflow, clock.now()) == 0
