"""The individual checks of a model library, each returning located `ModelProblem`s.

What SpiffWorkflow does not check is checked here: the host's metadata (properties), lanes against the
closed list of roles, the diagram interchange bpmn-js needs, scripts, conditions and timers (through the
restricted script environment's own checks: `code_checks.py`) and the form files user tasks name
(`form_checks.check_form_file`). The helpers that read a model's elements (`flow_nodes`, `properties`,
`lanes_by_node`...) are here too, for the loader.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from lxml import etree

from parcours_engine.domain.appointments import AppointmentKind
from parcours_engine.domain.errors import ModelProblem
from parcours_engine.domain.roles import lane_names, role_for_lane
from parcours_engine.engine import graph_checks
from parcours_engine.engine.code_checks import check_expressions, check_loop_limits
from parcours_engine.engine.xml import BPMN_NS, DOCUMENT, NSMAP, Document, local

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
_WHOLE_NUMBER = re.compile(r"[0-9]{1,6}")


@dataclass(frozen=True)
class Context:
    """What the checks of one document need to know about the rest of the library."""

    programmes: frozenset[str]  # process ids that are programmes
    processes: frozenset[str]  # every process id defined in the library
    forms: frozenset[str]  # form file names
    full: bool  # False when re-loading a stored version: skip DI and expression checks


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
