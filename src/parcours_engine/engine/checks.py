"""The individual checks of a model library, each returning located `ModelProblem`s.

What SpiffWorkflow does not check is checked here: the host's metadata (properties), lanes against the
closed list of roles, the diagram interchange bpmn-js needs, scripts, conditions and timers (through the
restricted script environment's own checks) and the form files user tasks name.
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from lxml import etree

from parcours_engine.domain.appointments import AppointmentKind
from parcours_engine.domain.errors import ModelProblem
from parcours_engine.domain.roles import lane_names, role_for_lane
from parcours_engine.engine import graph_checks
from parcours_engine.engine.form_checks import date_rules_problems, form_problems, free_text_problems
from parcours_engine.engine.xml import BPMN_NS, DOCUMENT, NSMAP, Document

ACTIVITIES = frozenset(
    {
        "task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
        "businessRuleTask", "callActivity", "subProcess", "transaction", "adHocSubProcess",
    }
)  # fmt: skip
GATEWAYS = frozenset(
    {"exclusiveGateway", "inclusiveGateway", "parallelGateway", "eventBasedGateway", "complexGateway"}
)
EVENTS = frozenset(
    {"startEvent", "endEvent", "intermediateCatchEvent", "intermediateThrowEvent", "boundaryEvent"}
)
FLOW_NODES = ACTIVITIES | GATEWAYS | EVENTS
# Elements whose own flow nodes run in their own SpiffWorkflow spec (`task.workflow.spec.name`).
SCOPES = frozenset({"process", "subProcess", "transaction", "adHocSubProcess"})

# A tag filter, not an XPath union: libxml2 sorts and de-duplicates a union's node sets, which is
# quadratic on a large model.
_FLOW_NODE_TAGS = tuple(f"{{{BPMN_NS}}}{tag}" for tag in sorted(FLOW_NODES))
_SCRIPT_LINE = re.compile(r"^line (\d+):\s*(.*)$", re.DOTALL)
_WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")
_TIMER_KINDS: dict[str, Literal["timeDate", "timeDuration", "timeCycle"]] = {
    "timeDate": "timeDate",
    "timeDuration": "timeDuration",
    "timeCycle": "timeCycle",
}
_CODE_LABELS = {
    "script": "script",
    "preScript": "pre-script",
    "postScript": "post-script",
    "timeDate": "timeDate",
    "timeDuration": "timeDuration",
    "timeCycle": "timeCycle",
}


@dataclass(frozen=True)
class Context:
    """What the checks of one document need to know about the rest of the library."""

    programmes: frozenset[str]  # process ids that are programmes
    processes: frozenset[str]  # every process id defined in the library
    forms: frozenset[str]  # form file names
    full: bool  # False when re-loading a stored version: skip DI and expression checks


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def flow_nodes(doc: Document, node: etree._Element | None = None) -> list[etree._Element]:
    """Every flow node under `node` (default: the whole document), in document order."""
    return list((doc.root if node is None else node).iterdescendants(*_FLOW_NODE_TAGS))


def properties(element: etree._Element) -> dict[str, etree._Element]:
    """The element's own spiffworkflow properties, by name (the property elements, for their lines)."""
    found = element.xpath(
        "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", namespaces=NSMAP
    )
    return {prop.get("name", ""): prop for prop in found} if isinstance(found, list) else {}


def whole_number(prop: etree._Element | None) -> int | None:
    """The property's value as a non-negative whole number, None when absent or not one."""
    value = None if prop is None else prop.get("value")
    if value is None or not _WHOLE_NUMBER.fullmatch(value.strip()):
        return None
    return int(value.strip())


def lanes_by_node(doc: Document) -> dict[str, str]:
    """Flow node id → the name of the lane holding it."""
    lanes: dict[str, str] = {}
    for ref in doc.xpath(".//bpmn:lane/bpmn:flowNodeRef"):
        lane = ref.getparent()
        if ref.text and lane is not None:
            lanes[ref.text.strip()] = lane.get("name") or ""
    return lanes


def check_document(doc: Document, ctx: Context) -> list[ModelProblem]:
    """Every check on one (well-formed, valid) BPMN document."""
    problems = [
        *check_processes(doc, ctx),
        *check_properties(doc, ctx),
        *check_lanes(doc),
        *check_calls(doc, ctx),
        *check_dead_ends(doc),
        *check_reserved_ids(doc),
        *check_loop_limits(doc),
    ]
    if ctx.full:
        problems += [
            *check_diagram(doc),
            *check_expressions(doc),
            *graph_checks.check_wait_free_loops(doc, flow_nodes(doc)),
        ]
    return problems


# SpiffWorkflow names its own bookkeeping steps so: an element with one of these ids replaces them.
_RESERVED_IDS = frozenset({"Start", "End"})


def is_reserved_id(element_id: str | None) -> bool:
    return element_id is not None and (element_id in _RESERVED_IDS or element_id.endswith(".EndJoin"))


def check_reserved_ids(doc: Document) -> Iterator[ModelProblem]:
    for element_id, element in doc.by_id.items():
        if is_reserved_id(element_id):
            yield doc.problem(
                element,
                "check.reserved_id",
                id=repr(element_id),
                suggestion=f"{element_id.split('.')[0]}_{local(element)}",
            )


def check_loop_limits(doc: Document) -> Iterator[ModelProblem]:
    """Multi-instance cardinalities and loop maximums written as numbers, against the budget."""
    from parcours_engine.engine.budgets import current

    limit = current().instances
    for cardinality in doc.elements("bpmn:loopCardinality"):
        value = _constant_int(cardinality.text or "")
        characteristics = cardinality.getparent()
        owner = characteristics.getparent() if characteristics is not None else None
        if value is not None and value > limit:
            yield doc.problem(
                owner if owner is not None else cardinality,
                "check.too_many_instances",
                line=cardinality.sourceline,
                count=f"{value:,}",
                limit=f"{limit:,}",
            )
    for loop in doc.elements("bpmn:standardLoopCharacteristics"):
        maximum = _constant_int(loop.get("loopMaximum") or "")
        owner = loop.getparent()
        if maximum is not None and maximum > limit and owner is not None:
            yield doc.problem(
                owner, "check.too_many_turns", line=loop.sourceline, count=f"{maximum:,}", limit=f"{limit:,}"
            )


def _constant_int(text: str) -> int | None:
    """The value of a cardinality written with numbers only (`12`, `10**9`), else None."""
    if not text.strip() or len(text) > 100:
        return None
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    stack: list[ast.AST] = [tree.body]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
            exponent = node.right
            if not isinstance(exponent, ast.Constant) or not isinstance(exponent.value, int):
                return None
            if exponent.value > 64:
                return 2**64  # over any budget: not worth computing
            stack.append(node.left)
        elif isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
            stack += [node.left, node.right]
        elif not (isinstance(node, ast.Constant) and isinstance(node.value, int)):
            return None
    value = eval(compile(tree, "<cardinality>", "eval"), {"__builtins__": {}})  # noqa: S307 -- small numbers only
    return value if isinstance(value, int) else None


def check_processes(doc: Document, ctx: Context) -> Iterator[ModelProblem]:
    for process in doc.xpath("./bpmn:process"):
        if process.get("id") not in ctx.programmes:
            continue
        prop = properties(process).get("idleThresholdDays")
        days = whole_number(prop)
        if prop is None:
            yield doc.problem(process, "check.idle_threshold_missing")
        elif not days:
            yield doc.problem(
                process, "check.idle_threshold_invalid", line=prop.sourceline, value=repr(prop.get("value"))
            )
        planned = properties(process).get("appointmentsCountAsPlanned")
        if planned is not None and (planned.get("value") or "").strip() not in ("true", "false"):
            yield doc.problem(process, "check.appointments_planned_boolean", line=planned.sourceline)


def check_properties(doc: Document, ctx: Context) -> Iterator[ModelProblem]:
    for node in flow_nodes(doc):
        kind = local(node)
        if kind not in ACTIVITIES:
            continue
        props = properties(node)
        yield from _number_problems(doc, node, props, "maxWaitDays", minimum=1)
        measure = props.get("measure")
        if measure is not None and measure.get("value", "").strip() not in ("true", "false"):
            yield doc.problem(node, "check.measure_boolean", line=measure.sourceline)
        if kind == "userTask":
            yield from _number_problems(doc, node, props, "dueInDays", minimum=0)
            yield from _form_problems(doc, node, props, ctx)
            yield from _appointment_problems(doc, node, props)


def _number_problems(
    doc: Document, node: etree._Element, props: Mapping[str, etree._Element], name: str, minimum: int
) -> Iterator[ModelProblem]:
    prop = props.get(name)
    if prop is None:
        return
    value = whole_number(prop)
    if value is None or value < minimum:
        yield doc.problem(
            node,
            "check.days_invalid",
            line=prop.sourceline,
            property=name,
            minimum=minimum,
            value=repr(prop.get("value")),
        )


def _appointment_problems(
    doc: Document, node: etree._Element, props: Mapping[str, etree._Element]
) -> Iterator[ModelProblem]:
    """`appointmentKind` names one of the appointment kinds the agenda books."""
    prop = props.get("appointmentKind")
    if prop is not None and (prop.get("value") or "").strip() not in set(AppointmentKind):
        yield doc.problem(
            node,
            "check.appointment_kind_unknown",
            line=prop.sourceline,
            value=repr(prop.get("value") or ""),
            kinds=", ".join(AppointmentKind),
        )


def _form_problems(
    doc: Document, node: etree._Element, props: Mapping[str, etree._Element], ctx: Context
) -> Iterator[ModelProblem]:
    form = props.get("formJsonSchemaFilename")
    if form is None or not (form.get("value") or "").strip():
        yield doc.problem(node, "check.no_form")
    for name in ("formJsonSchemaFilename", "formUiSchemaFilename"):
        prop = props.get(name)
        filename = (prop.get("value") or "").strip() if prop is not None else ""
        if prop is not None and filename and filename not in ctx.forms:
            yield doc.problem(node, "check.form_not_found", line=prop.sourceline, file=repr(filename))


def check_lanes(doc: Document) -> Iterator[ModelProblem]:
    for lane in doc.xpath(".//bpmn:lane"):
        if role_for_lane(lane.get("name")) is None:
            yield doc.problem(
                lane, "check.unknown_lane", lane=repr(lane.get("name") or ""), roles=", ".join(lane_names())
            )
    in_lane = lanes_by_node(doc)
    for task in doc.xpath(".//bpmn:userTask"):
        if lane_of(task, in_lane) is None:
            yield doc.problem(task, "check.task_without_lane", "warning")


def lane_of(node: etree._Element, in_lane: Mapping[str, str]) -> str | None:
    """The node's own lane, else the lane of the nearest enclosing sub-process holding it."""
    current: etree._Element | None = node
    while current is not None and local(current) != "process":
        lane = in_lane.get(current.get("id") or "")
        if lane is not None:
            return lane
        current = current.getparent()
    return None


def check_calls(doc: Document, ctx: Context) -> Iterator[ModelProblem]:
    for call in doc.xpath(".//bpmn:callActivity"):
        called = (call.get("calledElement") or "").strip()
        if not called:
            yield doc.problem(call, "check.call_without_process")
        elif called not in ctx.processes:
            yield doc.problem(call, "check.called_process_unknown", process=repr(called))


def check_dead_ends(doc: Document) -> Iterator[ModelProblem]:
    # SpiffWorkflow accepts a gateway leading nowhere and a script task without a script; the
    # pathway would stop silently at the first and fail at run time on the second.
    outgoing = {flow.get("sourceRef") for flow in doc.xpath(".//bpmn:sequenceFlow")}
    for node in flow_nodes(doc):
        if local(node) in GATEWAYS and node.get("id") not in outgoing:
            yield doc.problem(node, "check.gateway_dead_end")
    for task in doc.xpath(".//bpmn:scriptTask"):
        if not any((script.text or "").strip() for script in doc.xpath("./bpmn:script", task)):
            yield doc.problem(task, "check.script_empty")


def check_diagram(doc: Document) -> Iterator[ModelProblem]:
    drawn = {el.get("bpmnElement") for el in doc.elements("bpmndi:BPMNShape", "bpmndi:BPMNEdge")}
    if not doc.xpath(".//bpmndi:BPMNDiagram"):
        yield doc.problem(DOCUMENT, "check.no_diagram", line=1)
        return
    shaped = [*flow_nodes(doc), *doc.elements("bpmn:lane", "bpmn:participant")]
    for node in shaped:
        if node.get("id") not in drawn:
            yield doc.problem(node, "check.no_shape")
    for flow in doc.elements("bpmn:sequenceFlow", "bpmn:messageFlow"):
        if flow.get("id") not in drawn:
            yield doc.problem(flow, "check.no_edge")


def check_expressions(doc: Document) -> Iterator[ModelProblem]:
    from parcours_engine.engine.scripting import check_source, check_timer_expression

    for owner, text_element, mode in _expressions(doc):
        message = check_source(text_element.text or "", mode)
        if message is not None:
            yield _script_problem(doc, owner, text_element, message)
    for timer in doc.xpath(".//bpmn:timerEventDefinition"):
        owner = timer.getparent()
        owner = timer if owner is None else owner
        values = doc.xpath("./bpmn:timeDate | ./bpmn:timeDuration | ./bpmn:timeCycle", timer)
        if not values:
            yield doc.problem(owner, "check.timer_empty", line=timer.sourceline)
        for value in values:
            message = check_timer_expression(value.text or "", _TIMER_KINDS[local(value)])
            if message is not None:
                yield _script_problem(doc, owner, value, message)


def _expressions(
    doc: Document,
) -> Iterator[tuple[etree._Element, etree._Element, Literal["exec", "eval"]]]:
    """(owner, element holding the code, mode) for every script and condition of the document."""
    for script in doc.xpath(".//bpmn:scriptTask/bpmn:script"):
        yield _owner(script), script, "exec"
    for script in doc.elements("spiffworkflow:preScript", "spiffworkflow:postScript"):
        yield _owner(script), script, "exec"
    conditions = doc.elements(
        "bpmn:conditionExpression",
        "bpmn:condition",
        "bpmn:completionCondition",
        "bpmn:loopCardinality",
        "bpmn:loopCondition",
    )
    for condition in conditions:
        parent = condition.getparent()
        kind = local(condition)
        if kind == "conditionExpression" and (parent is None or local(parent) != "sequenceFlow"):
            continue
        if kind == "condition" and (parent is None or local(parent) != "conditionalEventDefinition"):
            continue
        yield _owner(condition), condition, "eval"


def _owner(element: etree._Element) -> etree._Element:
    """The nearest ancestor with an id: the task, flow or event a script belongs to."""
    current = element.getparent()
    while current is not None and not current.get("id"):
        current = current.getparent()
    return element if current is None else current


def _script_problem(
    doc: Document, owner: etree._Element, text_element: etree._Element, message: str
) -> ModelProblem:
    # The code starts right after the opening tag, so its line N is the file's line tag + N - 1.
    line = text_element.sourceline
    located = _SCRIPT_LINE.match(message)
    if located and line is not None:
        line, message = line + int(located.group(1)) - 1, located.group(2)
    kind = local(text_element) if local(text_element) in _CODE_LABELS else "condition"
    return doc.problem(owner, f"check.code.{kind}", line=line, detail=message)


def check_form_file(name: str, data: bytes) -> list[ModelProblem]:
    """A JSON Schema (draft 2020-12) form, or its UI schema when the name says so."""
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
    except UnicodeDecodeError:
        return [ModelProblem.coded(name, None, DOCUMENT, "check.not_utf8")]
    try:
        content = json.loads(text)
    except json.JSONDecodeError as exc:
        return [
            ModelProblem.coded(
                name, exc.lineno, DOCUMENT, "check.invalid_json_at", detail=exc.msg, column=exc.colno
            )
        ]
    except (UnicodeDecodeError, RecursionError, ValueError) as exc:
        return [ModelProblem.coded(name, None, DOCUMENT, "check.invalid_json", detail=str(exc))]
    if not isinstance(content, dict):
        return [ModelProblem.coded(name, 1, DOCUMENT, "check.form_not_object")]
    if name.endswith(".uischema.json"):
        return []
    return _schema_problems(name, content, text)


def _schema_problems(name: str, schema: dict[str, Any], text: str) -> list[ModelProblem]:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import SchemaError

    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        where = "#/" + "/".join(str(part) for part in exc.path)
        return [ModelProblem.coded(name, None, where, "check.invalid_schema", detail=exc.message)]
    problems = []
    if schema.get("type") != "object":
        problems.append(ModelProblem.coded(name, None, "#/type", "check.schema_not_object"))
    for path in _typename_fields(schema, "#"):
        problems.append(ModelProblem.coded(name, None, path, "check.typename_reserved"))
    for found in (*form_problems(schema), *free_text_problems(schema), *date_rules_problems(schema)):
        line = _json_line(text, found.where)
        problems.append(ModelProblem.coded(name, line, found.where, found.code, **found.params))
    return problems


def _json_line(text: str, pointer: str) -> int | None:
    """The line of the last key of a JSON pointer, searched after its parents' keys (good enough for
    the forms' usual layout; None when not found)."""
    position = 0
    for key in pointer.split("/")[1:]:
        if key.isdigit():
            continue  # an index in a list, not a key
        found = text.find(json.dumps(key), position)
        if found < 0:
            return None
        position = found
    return text.count("\n", 0, position) + 1


def _typename_fields(schema: Any, path: str) -> Iterator[str]:
    # Task data keyed `typename` breaks SpiffWorkflow's deserialization, at any depth.
    if isinstance(schema, dict):
        props = schema.get("properties")
        if isinstance(props, dict) and "typename" in props:
            yield f"{path}/properties/typename"
        for key, value in schema.items():
            yield from _typename_fields(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for index, value in enumerate(schema):
            yield from _typename_fields(value, f"{path}/{index}")
