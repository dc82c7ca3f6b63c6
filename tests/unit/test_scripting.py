"""The restricted script engine, through real SpiffWorkflow runs: what models may and may not do."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st
from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.spiff.parser import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState

from parcours_engine.domain.clock import FrozenClock
from parcours_engine.engine.script_helpers import (
    add_days,
    add_months,
    add_years,
    age_at,
    days_between,
    iso,
    months_between,
    now,
    parse_date,
    today,
)
from parcours_engine.engine.scripting import (
    RestrictedScriptEngine,
    check_source,
    check_timer_expression,
    is_iso8601_literal,
)
from parcours_engine.engine.timers import using_clock

BPMN_DIR = Path(__file__).parent / "bpmn"
ENGINE = RestrictedScriptEngine()  # one instance shared by every workflow, as in the host

# A one-script process, generated so that each test reads its script next to its assertions.
SCRIPT_PROCESS = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="defs" targetNamespace="http://example.org/parcours/tests">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="compute"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="review"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
      </bpmn:userTask>
    <bpmn:endEvent id="end"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="compute"/>
    <bpmn:sequenceFlow id="f2" sourceRef="compute" targetRef="review"/>
    <bpmn:sequenceFlow id="f3" sourceRef="review" targetRef="end"/>
  </bpmn:process>
</bpmn:definitions>"""


def _workflow(xml: bytes, process_id: str, data: dict[str, Any] | None = None) -> BpmnWorkflow:
    parser = SpiffBpmnParser()
    parser.add_bpmn_str(xml)
    workflow = BpmnWorkflow(parser.get_spec(process_id), script_engine=ENGINE)
    workflow.task_tree.data.update(data or {})
    return workflow


def _script_workflow(script: str, data: dict[str, Any] | None = None) -> BpmnWorkflow:
    return _workflow(SCRIPT_PROCESS.format(script=escape(script)).encode(), "p", data)


def _task(workflow: BpmnWorkflow, bpmn_id: str) -> Any:
    return next(t for t in workflow.get_tasks() if t.task_spec.bpmn_id == bpmn_id)


def _run_script(script: str, data: dict[str, Any] | None = None) -> dict[str, Any]:
    workflow = _script_workflow(script, data)
    workflow.do_engine_steps()
    review = _task(workflow, "review")
    assert review.state == TaskState.READY
    return dict(review.data)


@pytest.fixture
def clock() -> FrozenClock:
    # 10:00 in Paris on Thursday 5 March 2026.
    return FrozenClock(datetime(2026, 3, 5, 9, 0, tzinfo=UTC))


# --- refused: each fails with a clear message, the task is in error, nothing ran -----------------

ESCAPES = [
    ("import os\nos.system('true')", "import is not allowed"),
    ("from os import system", "import is not allowed"),
    ("m = __import__('os')", "name '__import__' is not allowed"),
    ("x = ().__class__.__mro__[1].__subclasses__()", "is not allowed (it starts with '_')"),
    ("f = open('/etc/passwd')", "name 'open' is not defined"),
    ("x = eval('1')", "eval is not allowed"),
    ("exec('x = 1')", "exec is not allowed"),
    ("x = compile('1', 'f', 'eval')", "name 'compile' is not defined"),
    ("x = getattr(1, '__class__')", "name 'getattr' is not defined"),
    ("x = globals()", "name 'globals' is not defined"),
    ("x = vars()", "name 'vars' is not defined"),
    ("x = type(1)", "name 'type' is not defined"),
    ("x = '{0.__class__}'.format(1)", "format"),
    ("x = str.format('{0.__class__}', 1)", "format"),
    ("x = f'{1 .__class__}'", "'__class__' is not allowed"),
    ("while True:\n    pass", "while loops are not allowed"),
    ("for i in range(10**9):\n    pass", "range() is limited"),
    ("n = 0\nfor i in range(10000):\n    for j in range(10000):\n        n += 1", "loops are limited"),
    ("x = [i for i in range(5000) for j in range(5000)]", "loops are limited"),
    ("x = [0] * 10**8", "would be too large"),
    ("x = 10 ** 10 ** 8", "would be too large"),
    ("x = 'a'\nfor i in range(100):\n    x = x + x", "would be too large"),
    ("f = lambda: 1", "lambda is not allowed"),
    ("def f():\n    pass", "function definitions (def) are not allowed"),
    ("class A:\n    pass", "class definitions are not allowed"),
    ("try:\n    x = 1\nexcept Exception:\n    pass", "try/except is not allowed"),
    ("x = date.today()", "'today' reads the server clock"),
    ("x = datetime.now()", "'now' reads the server clock"),
    ("x = (1).real.__class__", "'__class__' is not allowed"),
]


@pytest.mark.parametrize(("script", "message"), ESCAPES, ids=[s for s, _ in ESCAPES])
def test_refused_scripts_fail_clearly_and_stop_the_task(script: str, message: str) -> None:
    workflow = _script_workflow(script)
    with pytest.raises(WorkflowTaskException) as raised:
        workflow.do_engine_steps()
    assert message in str(raised.value)
    assert _task(workflow, "compute").state == TaskState.ERROR
    assert _task(workflow, "review").state != TaskState.READY


@pytest.mark.parametrize(
    "script",
    [
        "open(target, 'w').write('owned')",
        "import os\nos.system('touch ' + target)",
        "__import__('os').system('touch ' + target)",
        "().__class__.__base__.__subclasses__()",
    ],
)
def test_a_refused_script_has_no_side_effect(script: str, tmp_path: Path) -> None:
    target = tmp_path / "created-by-a-model"
    workflow = _script_workflow(script, {"target": str(target)})
    with pytest.raises(WorkflowTaskException):
        workflow.do_engine_steps()
    assert not target.exists()


def test_task_data_is_untouched_when_a_script_fails_half_way() -> None:
    workflow = _script_workflow("status = 'changed'\nx = missing_name", {"status": "new"})
    with pytest.raises(WorkflowTaskException, match="name 'missing_name' is not defined"):
        workflow.do_engine_steps()
    assert _task(workflow, "compute").data == {"status": "new"}


def test_runtime_error_names_the_line() -> None:
    workflow = _script_workflow("a = 1\nb = a / 0")
    with pytest.raises(WorkflowTaskException) as raised:
        workflow.do_engine_steps()
    assert raised.value.line_number == 2
    assert "ZeroDivisionError" in str(raised.value)


# --- allowed: what modellers need works -------------------------------------------------------------


def test_scripts_compute_with_builtins_loops_and_augmented_assignment() -> None:
    data = _run_script(
        """
        total = 0
        for step, score in enumerate(scores):
            total += score * step
        labels = sorted(str(s) for s in set(scores))
        best = max(scores)
        flags = {name: len(name) > 3 for name in ['anna', 'bo']}
        scores.append(0)
        """,
        {"scores": [3, 1, 2]},
    )
    assert data["total"] == 0 * 3 + 1 * 1 + 2 * 2
    assert data["labels"] == ["1", "2", "3"]
    assert data["best"] == 3
    assert data["flags"] == {"anna": True, "bo": False}
    assert data["scores"] == [3, 1, 2, 0]
    assert "step" in data and "__builtins__" not in data
    assert not any(callable(value) for value in data.values())


def test_scripts_use_date_helpers_on_form_strings_under_the_injected_clock(clock: FrozenClock) -> None:
    with using_clock(clock):
        data = _run_script(
            """
            age = age_at(birth_date)
            review_on = add_months(entry_date, 1)
            review_iso = iso(review_on)
            waited = days_between(entry_date, today())
            is_date = isinstance(review_on, date)
            """,
            {"birth_date": "2000-03-06", "entry_date": "2026-01-31"},
        )
    assert data["age"] == 25  # 26 tomorrow
    assert data["review_on"] == date(2026, 2, 28)
    assert data["review_iso"] == "2026-02-28T00:00:00+01:00"
    assert data["waited"] == 33
    assert data["is_date"] is True


def test_task_data_shadows_a_helper_name() -> None:
    # A form field called "date" must not break the model: data wins, like any Python name.
    data = _run_script("label = 'on ' + date", {"date": "2026-01-05"})
    assert data["label"] == "on 2026-01-05"


def test_print_is_harmless() -> None:
    assert _run_script("print('debug')\nok = True")["ok"] is True


def test_indented_scripts_from_pretty_printed_xml_run() -> None:
    assert _run_script("\n        a = 1\n        b = a + 1\n")["b"] == 2


@pytest.mark.parametrize(
    ("birth_date", "expected"),
    [("2000-03-05", "adult_track"), ("2000-03-06", "young_track"), ("1970-01-01", "adult_track")],
)
def test_gateway_conditions_use_helpers_and_the_clock(
    clock: FrozenClock, birth_date: str, expected: str
) -> None:
    workflow = _workflow((BPMN_DIR / "gateway.bpmn").read_bytes(), "orientation", {"birth_date": birth_date})
    with using_clock(clock):
        workflow.do_engine_steps()
    ready = [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.READY, manual=True)]
    assert ready == [expected]


def test_a_refused_condition_fails_clearly() -> None:
    xml = (BPMN_DIR / "gateway.bpmn").read_bytes().replace(b"age_at(birth_date)", b"birth_date.__len__()")
    workflow = _workflow(xml, "orientation", {"birth_date": "2000-01-01"})
    with pytest.raises(WorkflowTaskException, match="'__len__' is not allowed"):
        workflow.do_engine_steps()


# --- helpers --------------------------------------------------------------------------------------


def test_today_and_now_are_paris_time_from_the_clock() -> None:
    late_evening_utc = FrozenClock(datetime(2026, 3, 1, 23, 30, tzinfo=UTC))
    with using_clock(late_evening_utc):
        assert today() == date(2026, 3, 2)  # already 00:30 in Paris
        assert now() == datetime(2026, 3, 1, 23, 30, tzinfo=UTC)
        assert now().utcoffset() == timedelta(hours=1)


@pytest.mark.parametrize(
    ("birth", "at", "age"),
    [
        ("2008-03-05", "2026-03-05", 18),
        ("2008-03-06", "2026-03-05", 17),
        (date(2004, 2, 29), date(2026, 2, 28), 22),  # common year: 28 February
        (date(2004, 2, 29), date(2024, 2, 28), 19),  # leap year: waits for the 29th
        ("2000-01-01", datetime(2026, 1, 1, 0, 30, tzinfo=UTC), 26),
    ],
)
def test_age_at(birth: Any, at: Any, age: int) -> None:
    assert age_at(birth, at) == age


def test_age_at_refuses_a_reference_date_before_birth() -> None:
    with pytest.raises(ValueError, match="before the birth date"):
        age_at("2020-01-01", "2019-12-31")


def test_month_and_year_arithmetic_across_month_ends_and_leap_years() -> None:
    assert add_months("2026-01-31", 1) == date(2026, 2, 28)
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2026, 3, 31), -1) == date(2026, 2, 28)
    assert add_months(date(2025, 12, 15), 2) == date(2026, 2, 15)
    assert add_years(date(2024, 2, 29), 1) == date(2025, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)
    assert add_days("2024-02-28", 1) == date(2024, 2, 29)
    assert add_days(datetime(2026, 1, 1, 12, tzinfo=UTC), 1) == datetime(2026, 1, 2, 12, tzinfo=UTC)
    assert days_between("2024-02-01", "2024-03-01") == 29
    assert months_between("2026-01-31", "2026-02-28") == 1
    assert months_between("2026-01-31", "2026-02-27") == 0
    assert months_between("2026-05-15", "2026-01-16") == -3


def test_parse_date_and_iso() -> None:
    assert parse_date("2026-01-31") == date(2026, 1, 31)
    assert parse_date("2026-01-31T23:30:00+00:00") == date(2026, 2, 1)  # Paris date
    with pytest.raises(ValueError, match="not an ISO date"):
        parse_date("31/01/2026")
    assert iso(date(2026, 7, 1)) == "2026-07-01T00:00:00+02:00"
    assert iso(datetime(2026, 1, 1, 9)) == "2026-01-01T09:00:00+01:00"
    assert iso("2026-01-01") == "2026-01-01T00:00:00+01:00"
    assert iso(timedelta(days=2, seconds=90)) == "P2DT90S"
    with pytest.raises(TypeError):
        add_days("2026-01-01", 1.5)  # type: ignore[arg-type]


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)), st.integers(-1200, 1200))
def test_add_months_invariants(start: date, months: int) -> None:
    moved = add_months(start, months)
    assert isinstance(moved, date)
    assert months_between(start, moved) == months
    assert moved.day <= start.day
    assert (moved.year * 12 + moved.month) - (start.year * 12 + start.month) == months
    # Clamping only happens when the target month is too short.
    assert moved.day == start.day or add_days(moved, 1).day == 1


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2080, 12, 31)), st.integers(0, 120))
def test_age_at_invariants(birth: date, years: int) -> None:
    anniversary = add_years(birth, years)
    assert age_at(birth, anniversary) == years
    if years > 0:
        assert age_at(birth, add_days(anniversary, -1)) == years - 1


# --- publish-time checks ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("source", "mode"),
    [
        ("total = sum(x for x in scores)\nlate = days_between(entry, today()) > 30", "exec"),
        ("age_at(birth_date) >= 26 and status == 'open'", "eval"),
        ("   \n    a = 1\n    b = a\n", "exec"),
        ("for a, b in pairs:\n    n = a", "exec"),
    ],
)
def test_check_source_accepts_good_code(source: str, mode: Any) -> None:
    assert check_source(source, mode) is None


@pytest.mark.parametrize(
    ("source", "mode", "message"),
    [
        ("a = 1\nb = (", "exec", "line 2: '(' was never closed"),
        ("a = 1\nif a\n    b = 2", "exec", "line 2: expected ':'"),
        ("x = 1", "eval", "line 1: invalid syntax"),
        ("import os", "exec", "line 1: import is not allowed"),
        ("a = 1\n_x = 2", "exec", "line 2: name '_x' is not allowed"),
        ("x.__dict__", "eval", "line 1: attribute '__dict__' is not allowed"),
        ("while x:\n    pass", "exec", "line 1: while loops are not allowed"),
        ("lambda: 1", "eval", "line 1: lambda is not allowed"),
    ],
)
def test_check_source_reports_one_line_with_its_line_number(source: str, mode: Any, message: str) -> None:
    problem = check_source(source, mode)
    assert problem is not None and problem.startswith(message)
    assert "\n" not in problem


@pytest.mark.parametrize(
    ("expression", "kind"),
    [
        ("P18M", "timeDuration"),
        ("PT1H", "timeDuration"),
        (" P1Y2M3DT4H5M6S\n", "timeDuration"),
        ("P2W", "timeDuration"),
        ('"P18M"', "timeDuration"),
        ("timedelta(days=delay)", "timeDuration"),
        ("2026-01-01T00:00:00+01:00", "timeDate"),
        ("2026-01-01T09:00:00Z", "timeDate"),
        ("2026-01-01", "timeDate"),
        ("'2026-01-01T09:00:00'", "timeDate"),
        ("iso(add_months(parse_date(entry_date), 18))", "timeDate"),
        ("R3/P1M", "timeCycle"),
        ("R/PT1H", "timeCycle"),
        ("R/2026-01-01T00:00:00+01:00/P1D", "timeCycle"),
        ("R5/P1D/2026-06-01T00:00:00+02:00", "timeCycle"),
        ("'R3/P1M'", "timeCycle"),
    ],
)
def test_check_timer_expression_accepts(expression: str, kind: Any) -> None:
    assert check_timer_expression(expression, kind) is None


@pytest.mark.parametrize(
    ("expression", "kind", "message"),
    [
        ('"P18X"', "timeDuration", "'P18X' is not an ISO 8601 duration"),
        ("P18X", "timeDuration", "'P18X' is not an ISO 8601 duration"),
        ("PT", "timeDuration", "not an ISO 8601 duration"),
        ("P1W2D", "timeDuration", "not an ISO 8601 duration"),  # SpiffWorkflow refuses weeks + days
        ("'2026-13-01T00:00:00'", "timeDate", "not an ISO 8601 date"),
        ("2026-02-30", "timeDate", "not an ISO 8601 date"),
        ("P1D", "timeDate", "not an ISO 8601 date"),
        ("R3/P1M/P1D", "timeCycle", "not an ISO 8601 cycle"),
        ("'P1D'", "timeCycle", "not an ISO 8601 cycle"),
        ("", "timeDuration", "empty"),
        ("import os", "timeDate", "invalid syntax"),
        ("__import__('os')", "timeDate", "'__import__' is not allowed"),
    ],
)
def test_check_timer_expression_refuses(expression: str, kind: Any, message: str) -> None:
    problem = check_timer_expression(expression, kind)
    assert problem is not None and message in problem


def test_is_iso8601_literal_depends_on_the_kind() -> None:
    assert is_iso8601_literal("P18M", "timeDuration")
    assert not is_iso8601_literal("P18M", "timeDate")
    assert not is_iso8601_literal("2026-01-01", "timeDuration")
    assert is_iso8601_literal("2026-W01-1", "timeDate")
