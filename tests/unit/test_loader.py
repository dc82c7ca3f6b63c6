"""The model loader: a good library loads; each mistake a modeller can make comes back located.

Every error test breaks one thing in the sample library (tests/unit/models/library) and asserts the
whole `file:line: element: message` a coordinator would read, the line looked up in the broken file.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours_engine.domain.errors import ModelError, ModelProblem
from parcours_engine.engine import checks
from parcours_engine.engine.loader import (
    check_library,
    load_library,
    load_programme,
    read_library_dir,
)

LIBRARY = Path(__file__).parent / "models" / "library"
Files = dict[str, bytes]


@pytest.fixture(scope="module")
def bpmn() -> Files:
    return read_library_dir(LIBRARY / "processes", LIBRARY / "forms")[0]


@pytest.fixture(scope="module")
def forms() -> Files:
    return read_library_dir(LIBRARY / "processes", LIBRARY / "forms")[1]


def line_of(data: bytes, needle: str, occurrence: int = 1) -> int:
    """The line of the `occurrence`-th appearance of `needle`."""
    text, position = data.decode("utf-8"), -1
    for _ in range(occurrence):
        position = text.index(needle, position + 1)
    return text.count("\n", 0, position) + 1


def edit(files: Files, name: str, old: str, new: str) -> Files:
    assert old.encode() in files[name], old
    return {**files, name: files[name].replace(old.encode(), new.encode(), 1)}


def errors(bpmn_files: Files, form_files: Files) -> list[str]:
    return [str(p) for p in check_library(bpmn_files, form_files) if p.severity == "error"]


def the_error(bpmn_files: Files, form_files: Files) -> str:
    found = errors(bpmn_files, form_files)
    assert len(found) == 1, found
    with pytest.raises(ModelError) as raised:
        load_library(bpmn_files, form_files)
    assert [str(p) for p in raised.value.problems] == found
    return found[0]


# --- a good library ------------------------------------------------------------------------------


def test_good_library_loads_programmes_with_their_blocks_forms_and_metadata(
    bpmn: Files, forms: Files
) -> None:
    library = load_library(bpmn, forms)

    assert library.warnings == []
    assert sorted(library.programmes) == ["civis", "pic"]
    civis = library.programmes["civis"]
    assert (civis.name, civis.filename, civis.idle_threshold_days) == ("CIVIS", "civis.bpmn", 30)
    assert civis.spec.name == "civis"
    assert sorted(civis.subprocess_specs) == ["diagnostic", "orientation"]  # orientation is called by a block
    assert civis.files == {
        name: bpmn[name] for name in ("civis.bpmn", "blocs/diagnostic.bpmn", "blocs/orientation.bpmn")
    }
    assert sorted(civis.forms) == [
        "accueil.schema.json",
        "diagnostic.schema.json",
        "diagnostic.uischema.json",
        "formation.schema.json",
        "orientation.schema.json",
    ]
    assert civis.forms["accueil.schema.json"] == forms["accueil.schema.json"]
    assert sorted(library.programmes["pic"].files) == ["blocs/sortie.bpmn", "pic.bpmn"]


def test_element_metadata_is_read_over_the_programme_and_its_blocks(bpmn: Files, forms: Files) -> None:
    elements = load_library(bpmn, forms).programmes["civis"].elements

    accueil = elements["Task_Accueil"]
    assert (accueil.kind, accueil.name, accueil.lane, accueil.process_id) == (
        "userTask",
        "Accueil",
        "Accueil",
        "civis",
    )
    assert (accueil.form, accueil.ui_form, accueil.due_in_days, accueil.measure) == (
        "accueil.schema.json",
        None,
        3,
        False,
    )
    formation = elements["Task_Formation"]
    assert (formation.measure, formation.max_wait_days, formation.lane) == (True, 90, "Référent")
    assert elements["Call_Diagnostic"].max_wait_days == 60
    diagnostic = elements["Task_Diagnostic"]
    assert (diagnostic.process_id, diagnostic.ui_form) == ("diagnostic", "diagnostic.uischema.json")
    assert elements["Call_Orientation"].measure is True
    assert elements["Task_Orientation"].lane == "Commission"
    assert elements["Gw_Orientation"].kind == "exclusiveGateway"
    assert "Task_Sortie" not in elements  # a block civis does not call


def test_a_stored_programme_reloads_from_its_own_files(bpmn: Files, forms: Files) -> None:
    published = load_library(bpmn, forms).programmes["civis"]

    reloaded = load_programme(published.files, published.forms, "civis")

    assert reloaded.elements == published.elements
    assert (reloaded.files, reloaded.forms) == (published.files, published.forms)
    assert sorted(reloaded.subprocess_specs) == ["diagnostic", "orientation"]
    assert reloaded.idle_threshold_days == 30


def test_reloading_an_unknown_programme_is_a_model_error(bpmn: Files, forms: Files) -> None:
    with pytest.raises(ModelError) as raised:
        load_programme(bpmn, forms, "diagnostic")  # a block, not a programme
    assert [str(p) for p in raised.value.problems] == [":: diagnostic: no programme has this process id"]


def test_reloading_still_refuses_a_broken_stored_file(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "blocs/diagnostic.bpmn", 'calledElement="orientation"', 'calledElement="nowhere"')
    with pytest.raises(ModelError) as raised:
        load_programme(broken, forms, "civis")
    line = line_of(broken["blocs/diagnostic.bpmn"], 'id="Call_Orientation"')
    assert [str(p) for p in raised.value.problems] == [
        f"blocs/diagnostic.bpmn:{line}: Call_Orientation: called process 'nowhere' is not in the library: "
        "check the id or add its file"
    ]


# --- XML ------------------------------------------------------------------------------------------


def test_malformed_xml_is_located_by_the_parser(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "civis.bpmn", "</bpmn:userTask>", "</bpmn:userTsk>")
    line = line_of(broken["civis.bpmn"], "</bpmn:userTsk>")
    opened = line_of(broken["civis.bpmn"], '<bpmn:userTask id="Task_Accueil"')
    assert the_error(broken, forms) == (
        f"civis.bpmn:{line}: document: malformed XML: Opening and ending tag mismatch: "
        f"userTask line {opened} and userTsk"
    )


@pytest.mark.parametrize(
    "declaration",
    [
        '<!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',  # XXE
        '<!DOCTYPE d SYSTEM "http://example.org/evil.dtd">',  # external DTD
        '<!DOCTYPE d [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>',  # entity expansion
    ],
)
def test_doctype_and_entities_are_refused(bpmn: Files, forms: Files, declaration: str) -> None:
    broken = edit(
        bpmn,
        "civis.bpmn",
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f'<?xml version="1.0"?>\n{declaration}\n',
    )
    assert the_error(broken, forms) == "civis.bpmn:2: document: DOCTYPE and entities are not allowed"


def test_doctype_is_refused_in_utf16_too(bpmn: Files, forms: Files) -> None:
    text = (
        bpmn["civis.bpmn"]
        .decode()
        .replace('encoding="UTF-8"?>', 'encoding="UTF-16"?><!DOCTYPE d [<!ENTITY x "y">]>')
    )
    assert the_error({**bpmn, "civis.bpmn": text.encode("utf-16")}, forms) == (
        "civis.bpmn:1: document: DOCTYPE and entities are not allowed"
    )


def test_a_file_that_is_not_bpmn_is_refused(bpmn: Files, forms: Files) -> None:
    assert the_error({**bpmn, "notes.bpmn": b"<?xml version='1.0'?>\n<notes/>"}, forms) == (
        "notes.bpmn:2: document: not a BPMN 2.0 file: the root element is notes"
    )


def test_xsd_violations_are_all_reported_with_their_lines(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "civis.bpmn", 'isExecutable="true"', 'isExecutable="maybe"')
    broken = edit(
        broken,
        "civis.bpmn",
        '<bpmn:endEvent id="End_Civis">',
        '<bpmn:bogus />\n    <bpmn:endEvent id="End_Civis">',
    )
    found = errors(broken, forms)
    process_line, bogus_line = (
        line_of(broken["civis.bpmn"], "<bpmn:process"),
        line_of(broken["civis.bpmn"], "<bpmn:bogus"),
    )
    assert found[0] == (
        f"civis.bpmn:{process_line}: civis: not valid BPMN: Element 'bpmn:process', "
        "attribute 'isExecutable': 'maybe' is not a valid value of the atomic type 'xs:boolean'."
    )
    assert found[1].startswith(
        f"civis.bpmn:{bogus_line}: document: not valid BPMN: "
        "Element 'bpmn:bogus': This element is not expected."
    )
    assert len(found) == 2


# --- calls, forms ---------------------------------------------------------------------------------


def test_unknown_call_activity(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "civis.bpmn", 'calledElement="diagnostic"', 'calledElement="diagnostc"')
    line = line_of(broken["civis.bpmn"], 'id="Call_Diagnostic"')
    assert the_error(broken, forms) == (
        f"civis.bpmn:{line}: Call_Diagnostic: called process 'diagnostc' is not in the library: "
        "check the id or add its file"
    )


def test_user_task_without_form_property(bpmn: Files, forms: Files) -> None:
    broken = edit(
        bpmn,
        "civis.bpmn",
        '<spiffworkflow:property name="formJsonSchemaFilename" value="formation.schema.json" />',
        "",
    )
    line = line_of(broken["civis.bpmn"], 'id="Task_Formation"')
    assert the_error(broken, forms) == (
        f"civis.bpmn:{line}: Task_Formation: user task has no form: "
        "set the property formJsonSchemaFilename to a form file name"
    )


def test_missing_form_file(bpmn: Files, forms: Files) -> None:
    without = {name: data for name, data in forms.items() if name != "diagnostic.uischema.json"}
    line = line_of(bpmn["blocs/diagnostic.bpmn"], 'name="formUiSchemaFilename"')
    assert the_error(bpmn, without) == (
        f"blocs/diagnostic.bpmn:{line}: Task_Diagnostic: "
        "form file 'diagnostic.uischema.json' not found: add it to the forms"
    )


def test_invalid_form_json(bpmn: Files, forms: Files) -> None:
    broken = {**forms, "formation.schema.json": b'{\n  "type": "object",\n}\n'}
    assert the_error(bpmn, broken) == (
        "formation.schema.json:3: document: "
        "invalid JSON: Expecting property name enclosed in double quotes (column 1)"
    )


def test_invalid_json_schema(bpmn: Files, forms: Files) -> None:
    schema = {"type": "object", "properties": {"age": {"type": "integr"}}}
    broken = {**forms, "formation.schema.json": json.dumps(schema).encode()}
    assert the_error(bpmn, broken) == (
        "formation.schema.json:: #/properties/age/type: "
        "invalid JSON Schema: 'integr' is not valid under any of the given schemas"
    )


def test_form_schema_must_describe_an_object(bpmn: Files, forms: Files) -> None:
    broken = {**forms, "formation.schema.json": b'{"type": "string"}'}
    assert (
        the_error(bpmn, broken) == 'formation.schema.json:: #/type: a form schema must have "type": "object"'
    )


def test_typename_field_is_refused_at_any_depth(bpmn: Files, forms: Files) -> None:
    schema = json.loads(forms["accueil.schema.json"])
    schema["properties"]["adresse"]["properties"]["typename"] = {"type": "string", "format": "date"}
    broken = {**forms, "accueil.schema.json": json.dumps(schema).encode()}
    assert the_error(bpmn, broken) == (
        "accueil.schema.json:: #/properties/adresse/properties/typename: "
        "the field name typename is reserved by the engine: rename it"
    )


# --- scripts, conditions, timers -------------------------------------------------------------------


def test_bad_script_syntax_is_located_on_its_own_line(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "civis.bpmn", "niveau = score + 1", "niveau = score +")
    line = line_of(broken["civis.bpmn"], "niveau = score +")
    assert the_error(broken, forms) == f"civis.bpmn:{line}: Script_Score: script: invalid syntax"


def test_forbidden_script_is_refused(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "civis.bpmn", "accueil_ouvert = True", "import os")
    line = line_of(broken["civis.bpmn"], "import os")
    assert the_error(broken, forms) == f"civis.bpmn:{line}: Task_Accueil: pre-script: import is not allowed"


def test_bad_condition_syntax(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "civis.bpmn", "score &gt; 1", "score &gt;")
    line = line_of(broken["civis.bpmn"], "<bpmn:conditionExpression")
    assert the_error(broken, forms) == f"civis.bpmn:{line}: Flow_Formation: condition: invalid syntax"


def test_bad_timer_duration(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "civis.bpmn", '"P2D"', '"P18X"')
    line = line_of(broken["civis.bpmn"], "<bpmn:timeDuration")
    assert (
        the_error(broken, forms)
        == f"civis.bpmn:{line}: Timer_Wait: timeDuration: 'P18X' is not an ISO 8601 duration"
    )


def test_bad_timer_date(bpmn: Files, forms: Files) -> None:
    old = '<bpmn:timeDuration xsi:type="bpmn:tFormalExpression">"P2D"</bpmn:timeDuration>'
    broken = edit(
        bpmn, "civis.bpmn", old, '<bpmn:timeDate xsi:type="bpmn:tFormalExpression">not a date</bpmn:timeDate>'
    )
    line = line_of(broken["civis.bpmn"], "<bpmn:timeDate")
    assert the_error(broken, forms).startswith(f"civis.bpmn:{line}: Timer_Wait: timeDate: ")


# --- lanes and properties ---------------------------------------------------------------------------


def test_unknown_lane_role(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "civis.bpmn", 'name="Accueil">', 'name="Guichet">')
    line = line_of(broken["civis.bpmn"], 'id="Lane_Accueil"')
    assert the_error(broken, forms) == (
        f"civis.bpmn:{line}: Lane_Accueil: lane 'Guichet' is not a known role: name it one of "
        "Accueil, Référent, Commission, Partenaire, Coordination, Employeur (an outside organisation, "
        "such as France Travail or a training body, works in the Partenaire lane)"
    )


def test_user_task_outside_any_lane_is_a_warning(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "blocs/orientation.bpmn", "<bpmn:flowNodeRef>Task_Orientation</bpmn:flowNodeRef>", "")
    line = line_of(broken["blocs/orientation.bpmn"], 'id="Task_Orientation"')
    library = load_library(broken, forms)
    assert [str(w) for w in library.warnings] == [
        f"blocs/orientation.bpmn:{line}: Task_Orientation: "
        "user task is in no lane: put it in the lane of the role doing it"
    ]
    assert library.programmes["civis"].elements["Task_Orientation"].lane is None


def test_missing_idle_threshold(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "pic.bpmn", '<spiffworkflow:property name="idleThresholdDays" value="45" />', "")
    line = line_of(broken["pic.bpmn"], "<bpmn:process")
    assert the_error(broken, forms) == (
        f"pic.bpmn:{line}: pic: property idleThresholdDays is missing: "
        "add after how many days without activity a pathway counts as idle"
    )


@pytest.mark.parametrize(
    ("old", "new", "element", "message"),
    [
        ('name="idleThresholdDays" value="30"', 'name="idleThresholdDays" value="trente"', "civis",
         "property idleThresholdDays must be a whole number of days, 1 or more, got 'trente'"),
        ('name="idleThresholdDays" value="30"', 'name="idleThresholdDays" value="0"', "civis",
         "property idleThresholdDays must be a whole number of days, 1 or more, got '0'"),
        ('name="maxWaitDays" value="90"', 'name="maxWaitDays" value="0"', "Task_Formation",
         "property maxWaitDays must be a whole number of days, 1 or more, got '0'"),
        ('name="dueInDays" value="3"', 'name="dueInDays" value="-1"', "Task_Accueil",
         "property dueInDays must be a whole number of days, 0 or more, got '-1'"),
        ('name="measure" value="true"', 'name="measure" value="oui"', "Task_Formation",
         "property measure must be true or false"),
    ],
)  # fmt: skip
def test_bad_property_values(
    bpmn: Files, forms: Files, old: str, new: str, element: str, message: str
) -> None:
    broken = edit(bpmn, "civis.bpmn", old, new)
    line = line_of(broken["civis.bpmn"], new)
    assert the_error(broken, forms) == f"civis.bpmn:{line}: {element}: {message}"


# --- diagram interchange ------------------------------------------------------------------------------


def test_missing_shape(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "civis.bpmn", 'bpmnElement="Task_Formation"', 'bpmnElement="Task_Elsewhere"')
    line = line_of(broken["civis.bpmn"], 'id="Task_Formation"')
    assert (
        the_error(broken, forms)
        == f"civis.bpmn:{line}: Task_Formation: no shape in the diagram: draw it in the modeller"
    )


def test_missing_edge(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "civis.bpmn", 'bpmnElement="Flow_8"', 'bpmnElement="Flow_Elsewhere"')
    line = line_of(broken["civis.bpmn"], 'id="Flow_8"')
    assert (
        the_error(broken, forms)
        == f"civis.bpmn:{line}: Flow_8: no edge in the diagram: draw it in the modeller"
    )


def test_missing_diagram(bpmn: Files, forms: Files) -> None:
    text = bpmn["pic.bpmn"].decode()
    broken = {
        **bpmn,
        "pic.bpmn": (text[: text.index("  <bpmndi:BPMNDiagram")] + "</bpmn:definitions>\n").encode(),
    }
    assert (
        the_error(broken, forms)
        == "pic.bpmn:1: document: the file has no diagram: open and save it in the modeller, or compute one "
        "with processes/tools/bpmn_layout.py FILE"
    )


# --- structure (SpiffWorkflow and ours) -------------------------------------------------------------


def test_no_start_event(bpmn: Files, forms: Files) -> None:
    broken = edit(
        bpmn, "pic.bpmn", '<bpmn:startEvent id="Start_Pic">', '<bpmn:intermediateThrowEvent id="Start_Pic">'
    )
    broken = edit(broken, "pic.bpmn", "</bpmn:startEvent>", "</bpmn:intermediateThrowEvent>")
    line = line_of(broken["pic.bpmn"], "<bpmn:process")
    assert the_error(broken, forms) == f"pic.bpmn:{line}: pic: no start event: add one"


def test_unsupported_element_is_located_by_its_id(bpmn: Files, forms: Files) -> None:
    broken = {**bpmn, "civis.bpmn": bpmn["civis.bpmn"].replace(b"exclusiveGateway", b"complexGateway")}
    line = line_of(broken["civis.bpmn"], 'id="Gw_Orientation"')
    assert (
        the_error(broken, forms) == f"civis.bpmn:{line}: Gw_Orientation: this element type is not supported"
    )


def test_script_task_without_script(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "civis.bpmn", "<bpmn:script>score = 2\nniveau = score + 1</bpmn:script>", "")
    line = line_of(broken["civis.bpmn"], 'id="Script_Score"')
    assert the_error(broken, forms) == (
        f"civis.bpmn:{line}: Script_Score: script task has no script: write one or use a plain task"
    )


def test_flow_out_of_a_gateway_without_condition(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "civis.bpmn", ' default="Flow_Default"', "")
    line = line_of(broken["civis.bpmn"], 'id="Flow_Default"')
    assert the_error(broken, forms) == (
        f"civis.bpmn:{line}: Flow_Default: flow out of a gateway has no condition and is not the default: "
        "add a condition or make it the gateway's default flow"
    )


def test_gateway_without_outgoing_flow_and_unreachable_steps(bpmn: Files, forms: Files) -> None:
    # Formation and the timer now lead to each other, out of the gateway's reach.
    broken = bpmn
    for source, target in (("Task_Formation", "Timer_Wait"), ("Timer_Wait", "Task_Formation")):
        old = f'sourceRef="Gw_Orientation" targetRef="{target}"'
        broken = edit(broken, "civis.bpmn", old, f'sourceRef="{source}" targetRef="{target}"')
    civis = broken["civis.bpmn"]
    gateway, formation = line_of(civis, 'id="Gw_Orientation"'), line_of(civis, 'id="Task_Formation"')
    timer, end = line_of(civis, 'id="Timer_Wait"'), line_of(civis, 'id="End_Civis"')
    assert errors(broken, forms) == [
        f"civis.bpmn:{gateway}: Gw_Orientation: gateway has no outgoing flow: connect it to the next step",
        f"civis.bpmn:{formation}: Task_Formation: not reachable from a start event: connect it or delete it",
        f"civis.bpmn:{timer}: Timer_Wait: not reachable from a start event: connect it or delete it",
        f"civis.bpmn:{end}: End_Civis: not reachable from a start event: connect it or delete it",
    ]


def test_duplicate_process_id_across_files(bpmn: Files, forms: Files) -> None:
    copy = bpmn["blocs/sortie.bpmn"].replace(b"Sortie", b"Sortie2")  # other element ids, same process id
    line = line_of(copy, "<bpmn:process")
    assert the_error({**bpmn, "blocs/sortie_copie.bpmn": copy}, forms) == (
        f"blocs/sortie_copie.bpmn:{line}: sortie: process id 'sortie' is also used in blocs/sortie.bpmn: "
        "rename one of them"
    )


def test_duplicate_element_id_across_a_programme_and_its_blocks(bpmn: Files, forms: Files) -> None:
    broken = {
        **bpmn,
        "blocs/orientation.bpmn": bpmn["blocs/orientation.bpmn"].replace(
            b"Task_Orientation", b"Task_Accueil"
        ),
    }
    line = line_of(broken["blocs/orientation.bpmn"], 'id="Task_Accueil"')
    assert the_error(broken, forms) == (
        f"blocs/orientation.bpmn:{line}: Task_Accueil: id also used in civis.bpmn, which civis also runs: "
        "ids must be unique across a programme and its blocks"
    )


def test_top_level_file_without_executable_process_is_a_warning(bpmn: Files, forms: Files) -> None:
    draft = bpmn["blocs/sortie.bpmn"].replace(b'isExecutable="true"', b'isExecutable="false"')
    draft = draft.replace(b'id="sortie"', b'id="brouillon"').replace(
        b'processRef="sortie"', b'processRef="brouillon"'
    )
    problems = check_library({**bpmn, "brouillon.bpmn": draft.replace(b"Sortie", b"Brouillon")}, forms)
    assert [str(p) for p in problems] == [
        "brouillon.bpmn:1: document: "
        "no executable process: a top-level file holds programmes (blocks go in blocs/)"
    ]
    assert problems[0].severity == "warning"


def test_an_unexpected_failure_becomes_a_problem_not_a_traceback(
    bpmn: Files, forms: Files, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(*_args: object) -> list[ModelProblem]:
        raise KeyError("boom")

    monkeypatch.setattr(checks, "check_document", explode)
    assert errors(bpmn, forms)[0] == "blocs/diagnostic.bpmn:: document: could not be read: KeyError('boom')"


def test_problems_are_sorted_by_file_and_line(bpmn: Files, forms: Files) -> None:
    broken = edit(bpmn, "civis.bpmn", 'name="Accueil">', 'name="Guichet">')
    broken = edit(broken, "civis.bpmn", "niveau = score + 1", "niveau = score +")
    broken = edit(broken, "blocs/diagnostic.bpmn", 'calledElement="orientation"', 'calledElement="nowhere"')
    found = check_library(broken, forms)
    assert [(p.file, p.line) for p in found] == sorted((p.file, p.line or 0) for p in found)
    assert [p.file for p in found] == ["blocs/diagnostic.bpmn", "civis.bpmn", "civis.bpmn"]


# --- nothing but ModelError -------------------------------------------------------------------------

_FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@_FUZZ
@given(data=st.binary(max_size=400))
def test_arbitrary_bytes_only_ever_raise_model_error(data: bytes) -> None:
    assert all(isinstance(p, ModelProblem) for p in check_library({"x.bpmn": data}, {"f.schema.json": data}))
    with pytest.raises(ModelError):
        load_library({"x.bpmn": data}, {})


@_FUZZ
@given(
    cut=st.integers(min_value=0, max_value=6000),
    insert=st.sampled_from(["", "<", ">", "&", '"', "<!--", "x", "\x00", "<bpmn:task/>"]),
    length=st.integers(min_value=0, max_value=40),
)
def test_mutated_models_only_ever_raise_model_error(
    bpmn: Files, forms: Files, cut: int, insert: str, length: int
) -> None:
    original = bpmn["civis.bpmn"]
    position = cut % len(original)
    mutated = {**bpmn, "civis.bpmn": original[:position] + insert.encode() + original[position + length :]}
    check_library(mutated, forms)
    try:
        load_library(mutated, forms)
    except ModelError as error:
        assert error.problems and all(p.severity == "error" for p in error.problems)
