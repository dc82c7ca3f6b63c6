"""What a hostile or clumsy model can do is refused at check, as `file:line: element: message`.

Issue 13's findings that can be known from the model alone: loops that wait for nobody, processes
calling themselves, cardinalities and timers over their budgets, unsafe form patterns, references out
of a form, files that are not UTF-8, ids SpiffWorkflow reserves, unchecked loop conditions, data
stores, deep expressions and chains too long for the engine. Each breaks the sample library once.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import bench.model_check as generated
import pytest

from parcours_engine.domain.errors import ModelError
from parcours_engine.engine import budgets
from parcours_engine.engine.budgets import Budgets
from parcours_engine.engine.form_checks import pattern_problem
from parcours_engine.engine.loader import check_library, load_library, read_library_dir
from tests.unit.test_loader import LIBRARY, Files, edit, errors, line_of

CIVIS = "civis.bpmn"
DIAGNOSTIC = "blocs/diagnostic.bpmn"


@pytest.fixture(scope="module")
def bpmn() -> Files:
    return read_library_dir(LIBRARY / "processes", LIBRARY / "forms")[0]


@pytest.fixture(scope="module")
def forms() -> Files:
    return read_library_dir(LIBRARY / "processes", LIBRARY / "forms")[1]


@pytest.fixture(autouse=True)
def default_budgets() -> Iterator[None]:
    budgets.configure(Budgets())
    yield
    budgets.configure(None)


def _timed_errors(bpmn_files: Files, form_files: Files) -> list[str]:
    started = time.monotonic()
    found = errors(bpmn_files, form_files)
    assert time.monotonic() - started < 10, "a check must never hang"
    return found


def test_a_loop_without_a_wait_state_is_refused(bpmn: Files, forms: Files) -> None:
    broken = edit(
        bpmn,
        CIVIS,
        'sourceRef="Gw_Orientation" targetRef="Timer_Wait"',
        'sourceRef="Gw_Orientation" targetRef="Script_Score"',
    )
    line = line_of(broken[CIVIS], '<bpmn:scriptTask id="Script_Score"')
    expected = (
        f"civis.bpmn:{line}: Script_Score: loop with no wait state (Script_Score → Gw_Orientation): it "
        "would run without end; put a user task, a timer or a call activity in it"
    )
    assert expected in _timed_errors(broken, forms)


def test_a_loop_through_a_user_task_is_fine(bpmn: Files, forms: Files) -> None:
    looped = edit(
        bpmn,
        CIVIS,
        'sourceRef="Task_Formation" targetRef="End_Civis"',
        'sourceRef="Task_Formation" targetRef="Script_Score"',
    )
    assert not [e for e in _timed_errors(looped, forms) if "loop with no wait state" in e]


def test_a_process_calling_itself_is_refused_without_hanging(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, DIAGNOSTIC, 'calledElement="orientation"', 'calledElement="diagnostic"')
    line = line_of(broken[DIAGNOSTIC], '<bpmn:callActivity id="Call_Orientation"')
    expected = (
        f"blocs/diagnostic.bpmn:{line}: Call_Orientation: calls itself: a process cannot call itself, "
        "the pathway would never end"
    )
    assert expected in _timed_errors(broken, forms)


def test_processes_calling_each_other_are_refused(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, DIAGNOSTIC, 'calledElement="orientation"', 'calledElement="civis"')
    found = _timed_errors(broken, forms)
    assert any(
        e.startswith("blocs/diagnostic.bpmn:") and "calls civis, which calls diagnostic back" in e
        for e in found
    )
    assert any(e.startswith("civis.bpmn:") and "calls diagnostic, which calls civis back" in e for e in found)


def test_calls_nested_deeper_than_the_budget_are_refused(bpmn: Files, forms: Files) -> None:
    budgets.configure(Budgets(call_depth=2))
    line = line_of(bpmn[CIVIS], '<bpmn:callActivity id="Call_Diagnostic"')
    expected = f"civis.bpmn:{line}: Call_Diagnostic: calls nested 3 deep: over the budget of 2 nested call activities"
    assert expected in errors(bpmn, forms)


def _multi_instance(bpmn: Files, characteristics: str) -> Files:
    return edit(
        bpmn,
        CIVIS,
        "<bpmn:outgoing>Flow_4</bpmn:outgoing>\n      <bpmn:script>",
        f"<bpmn:outgoing>Flow_4</bpmn:outgoing>{characteristics}\n      <bpmn:script>",
    )


@pytest.mark.parametrize("cardinality", ["1000000000", "10**9", "10 ** 100000"])
def test_a_cardinality_over_the_budget_is_refused(bpmn: Files, forms: Files, cardinality: str) -> None:
    broken = _multi_instance(
        bpmn,
        f"<bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>{cardinality}</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>",
    )
    line = line_of(broken[CIVIS], "<bpmn:loopCardinality>")
    found = [e for e in _timed_errors(broken, forms) if "multi-instance" in e]
    assert len(found) == 1 and found[0].startswith(f"civis.bpmn:{line}: Script_Score: multi-instance of ")
    assert found[0].endswith("instances: over the budget of 1,000 instances per multi-instance activity")


def test_the_loop_condition_is_checked(bpmn: Files, forms: Files) -> None:
    broken = _multi_instance(
        bpmn,
        "<bpmn:standardLoopCharacteristics><bpmn:loopCondition>__import__('os')</bpmn:loopCondition></bpmn:standardLoopCharacteristics>",
    )
    line = line_of(broken[CIVIS], "<bpmn:loopCondition>")
    expected = f"civis.bpmn:{line}: Script_Score: condition: name '__import__' is not allowed (names starting with '_' are reserved)"
    assert expected in errors(broken, forms)
    with pytest.raises(ModelError) as raised:
        load_library(broken, forms)  # what publishing loads: refused with the same line
    assert expected in [str(p) for p in raised.value.problems]


def test_a_timer_over_its_horizon_is_refused_at_once(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, CIVIS, '"P2D"', "P99999999Y")
    line = line_of(broken[CIVIS], "P99999999Y")
    expected = (
        f"civis.bpmn:{line}: Timer_Wait: timeDuration: the timer P99999999Y is too far ahead: over the timer "
        "horizon of 36,600 days"
    )
    assert expected in _timed_errors(broken, forms)


@pytest.mark.parametrize("reserved", ["End", "Start"])
def test_ids_the_engine_reserves_are_refused_clearly(bpmn: Files, forms: Files, reserved: str) -> None:
    renamed = {**bpmn, CIVIS: bpmn[CIVIS].replace(f'"{reserved}_Civis"'.encode(), f'"{reserved}"'.encode())}
    renamed[CIVIS] = renamed[CIVIS].replace(f">{reserved}_Civis<".encode(), f">{reserved}<".encode())
    kind = "endEvent" if reserved == "End" else "startEvent"
    line = line_of(renamed[CIVIS], f'<bpmn:{kind} id="{reserved}"')
    expected = (
        f"civis.bpmn:{line}: {reserved}: the id '{reserved}' is reserved by the engine (its own start and end "
        f"steps): rename it, e.g. {reserved}_{kind}"
    )
    found = errors(renamed, forms)
    assert expected in found
    assert not [e for e in found if "not reachable" in e]  # not SpiffWorkflow's misleading message
    with pytest.raises(ModelError) as raised:
        load_library(renamed, forms)  # what publishing loads
    assert expected in [str(p) for p in raised.value.problems]


def test_a_file_declared_latin1_is_refused_at_check_not_at_publish(bpmn: Files, forms: Files) -> None:
    text = (
        bpmn[CIVIS]
        .decode()
        .replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
        .replace('name="CIVIS"', 'name="CIVIS à Moulins"')
    )
    broken = {**bpmn, CIVIS: text.encode("latin-1")}
    assert "civis.bpmn:1: document: the file is declared ISO-8859-1: save it as UTF-8" in errors(
        broken, forms
    )
    with pytest.raises(ModelError):
        load_library(broken, forms)


def test_a_form_that_is_not_utf8_is_refused(bpmn: Files, forms: Files) -> None:
    utf16 = {**forms, "accueil.schema.json": forms["accueil.schema.json"].decode().encode("utf-16")}
    assert "accueil.schema.json:: document: the file is not UTF-8: save it as UTF-8" in errors(bpmn, utf16)


def test_a_data_store_is_named_on_one_line_with_its_line(bpmn: Files, forms: Files) -> None:
    broken = edit(
        bpmn,
        CIVIS,
        '<bpmn:process id="civis" name="CIVIS" isExecutable="true">',
        '<bpmn:dataStore id="DataStore_1" name="Mon&#10;stock" />\n  <bpmn:process id="civis" name="CIVIS" isExecutable="true">',
    )
    found = [e for e in errors(broken, forms) if "data store" in e.lower()]
    line = line_of(broken[CIVIS], '<bpmn:dataStore id="DataStore_1"')
    assert found == [
        f"civis.bpmn:{line}: DataStore_1: data store 'Mon stock' is not supported: keep the data in the task data"
    ]


def test_a_deep_expression_is_refused_with_its_line(bpmn: Files, forms: Files) -> None:
    deep = "niveau = " + " + ".join(["1"] * 50_000)
    broken = edit(bpmn, CIVIS, "niveau = score + 1", deep)
    line = line_of(broken[CIVIS], "niveau = ")
    found = [e for e in errors(broken, forms) if "Script_Score" in e]
    assert found == [
        f"civis.bpmn:{line}: Script_Score: script: nested too deeply: over the depth budget of 100 levels"
    ]


def test_a_chain_too_long_for_the_engine_is_refused_with_its_element(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(generated, "BRANCH", 600)
    found = [
        str(p)
        for p in check_library({"big.bpmn": generated.programme(600)}, {"big.schema.json": generated.FORM})
    ]
    assert len(found) == 1 and "RecursionError" not in found[0]
    assert ": Step_0_" in found[0] and "too many steps one after another for the engine to read" in found[0]


def _form(forms: Files, **motif: object) -> Files:
    schema = json.loads(forms["accueil.schema.json"])
    schema["properties"]["motif"].update(motif)
    return {**forms, "accueil.schema.json": json.dumps(schema, indent=2).encode()}


def test_a_catastrophic_form_pattern_is_refused_at_check(bpmn: Files, forms: Files) -> None:
    broken = _form(forms, pattern="^(a+)+$")
    line = line_of(broken["accueil.schema.json"], '"pattern"')
    found = [e for e in errors(bpmn, broken) if e.startswith("accueil.schema.json:")]
    assert found == [
        f"accueil.schema.json:{line}: #/properties/motif/pattern: the pattern '^(a+)+$' repeats a repetition "
        "(as in ^(a+)+$): an answer could make the server check it for hours; write the repetition once (^a+$)"
    ]


def test_an_external_reference_in_a_form_is_refused_at_check(bpmn: Files, forms: Files) -> None:
    broken = _form(forms, **{"$ref": "file:///etc/passwd"})
    line = line_of(broken["accueil.schema.json"], '"$ref"')
    found = [e for e in errors(bpmn, broken) if e.startswith("accueil.schema.json:")]
    assert found == [
        f"accueil.schema.json:{line}: #/properties/motif/$ref: reference 'file:///etc/passwd' outside the "
        "form: only references inside it (#/...) are allowed"
    ]


def _motif_without(forms: Files, *keys: str, **motif: object) -> Files:
    schema = json.loads(forms["accueil.schema.json"])
    for key in keys:
        schema["properties"]["motif"].pop(key)
    schema["properties"]["motif"].update(motif)
    return {**forms, "accueil.schema.json": json.dumps(schema, indent=2).encode()}


def test_free_text_without_max_length_is_refused_at_check(bpmn: Files, forms: Files) -> None:
    broken = _motif_without(forms, "maxLength")
    line = line_of(broken["accueil.schema.json"], '"motif"')
    found = [e for e in errors(bpmn, broken) if e.startswith("accueil.schema.json:")]
    assert found == [
        f"accueil.schema.json:{line}: #/properties/motif: free text needs a maxLength of at most 200 "
        "characters (or make it a closed list, a date or a code): no narrative about the person"
    ]
    with pytest.raises(ModelError):
        load_library(bpmn, broken)  # what publishing loads: refused too


def test_free_text_without_the_legal_warning_is_refused_at_check(bpmn: Files, forms: Files) -> None:
    for broken in (_motif_without(forms, "x-avertissement"), _form(forms, **{"x-avertissement": "  "})):
        line = line_of(broken["accueil.schema.json"], '"motif"')
        found = [e for e in errors(bpmn, broken) if e.startswith("accueil.schema.json:")]
        assert found == [
            f"accueil.schema.json:{line}: #/properties/motif: free text needs the legal warning in "
            "'x-avertissement', shown next to the field (the person may read it: nothing on health, "
            "opinions, private or family life, no judgement)"
        ]


@pytest.mark.parametrize("bound", [201, 5000, 0])
def test_free_text_bounded_too_far_is_refused(bpmn: Files, forms: Files, bound: object) -> None:
    found = errors(bpmn, _form(forms, maxLength=bound))
    assert any("#/properties/motif: free text needs a maxLength of at most 200" in e for e in found), found


def test_free_text_is_found_in_lists_and_nested_objects(bpmn: Files, forms: Files) -> None:
    schema = json.loads(forms["diagnostic.schema.json"])
    schema["properties"]["freins"]["items"] = {"type": ["string", "null"]}
    schema["properties"]["suivi"] = {"type": "object", "properties": {"note": {"type": "string"}}}
    broken = {**forms, "diagnostic.schema.json": json.dumps(schema, indent=2).encode()}
    where = {e.split(": ")[1] for e in errors(bpmn, broken) if e.startswith("diagnostic.schema.json:")}
    assert where == {"#/properties/freins/items", "#/properties/suivi/properties/note"}


@pytest.mark.parametrize(
    "closed",
    [
        {"format": "date"},
        {"enum": ["a", "b"]},
        {"const": "a"},
        {"oneOf": [{"const": "a", "title": "A"}]},
        {"pattern": "^[A-N][0-9]{4}$"},
    ],
)
def test_closed_lists_dates_and_codes_are_not_free_text(bpmn: Files, forms: Files, closed: dict) -> None:
    fine = _motif_without(forms, "maxLength", "x-avertissement", **closed)
    assert [e for e in errors(bpmn, fine) if e.startswith("accueil.schema.json:")] == []


def test_an_unanchored_pattern_is_still_free_text(bpmn: Files, forms: Files) -> None:
    broken = _motif_without(forms, "maxLength", pattern=".+")
    assert any("#/properties/motif: free text needs a maxLength" in e for e in errors(bpmn, broken))


@pytest.mark.parametrize(
    "pattern", ["^[A-N][0-9]{4}$", r"^\d{5}$", r"^[a-z]+(-[a-z]+)?$", "^(?:0|[1-9][0-9]*)$"]
)
def test_ordinary_patterns_pass(pattern: str) -> None:
    assert pattern_problem(pattern) is None


@pytest.mark.parametrize("pattern", ["^(a+)+$", "(a*)*b", "^(a|b+)+$", "^(?:x{1,3})+$", r"^(\w+\s?)*$"])
def test_nested_repetitions_are_refused(pattern: str) -> None:
    assert "repeats a repetition" in (pattern_problem(pattern) or "")
