"""What checking a model costs as it grows: `check_library` on generated programmes of N elements.

The programme is what a large model looks like to the checker: a lane, a start, a gateway opening
branches of 20 steps (user tasks with a form, script tasks, a gateway per branch with a condition),
all joining before the end, with a diagram shape for every node and an edge for every flow. Its
result must be "no error": a bench of the error path would measure something else.

Prints seconds at each size and the ratio to the smallest size (linear: ratio ≈ size ratio), then
what a first start on the version costs in a process that has not parsed it yet (issue 13): the
parse (`load_programme`, CPU seconds with SpiffWorkflow's own element parsers, then with the
compiled XPath of `engine/spiff_parser.py`, interleaved) and the runtime's start and save.

Usage: python -m bench.model_check [--sizes 1000 10000]
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, datetime

from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser

from parcours_engine.domain.clock import FrozenClock
from parcours_engine.engine import spiff_parser
from parcours_engine.engine.loader import check_library, load_programme
from parcours_engine.engine.runtime import Runtime

BRANCH = 20  # steps per branch: long chains are not what this measures
FORM = b'{"type": "object", "title": "Formulaire", "properties": {"x": {"type": "integer", "title": "X"}}}'


def _shape(node_id: str, x: int, y: int) -> str:
    return (
        f'<bpmndi:BPMNShape id="{node_id}_di" bpmnElement="{node_id}">'
        f'<dc:Bounds x="{x}" y="{y}" width="100" height="80"/></bpmndi:BPMNShape>'
    )


def _edge(flow_id: str) -> str:
    return (
        f'<bpmndi:BPMNEdge id="{flow_id}_di" bpmnElement="{flow_id}">'
        '<di:waypoint x="0" y="0"/><di:waypoint x="10" y="0"/></bpmndi:BPMNEdge>'
    )


def programme(elements: int) -> bytes:
    """A valid programme with about `elements` flow nodes."""
    branches = max(1, elements // BRANCH)
    nodes: list[str] = []
    flows: list[tuple[str, str, str, str]] = []  # (id, source, target, condition)
    shapes: list[str] = []

    def node(xml: str, node_id: str, x: int, y: int) -> None:
        nodes.append(xml)
        shapes.append(_shape(node_id, x, y))

    def flow(source: str, target: str, condition: str = "") -> str:
        flow_id = f"Flow_{len(flows)}"
        flows.append((flow_id, source, target, condition))
        return flow_id

    node('<bpmn:startEvent id="Start_big"/>', "Start_big", 0, 0)
    node('<bpmn:exclusiveGateway id="Gateway_open" default="Flow_0"/>', "Gateway_open", 100, 0)
    node('<bpmn:exclusiveGateway id="Gateway_join"/>', "Gateway_join", 300, 0)
    node('<bpmn:endEvent id="End_big"/>', "End_big", 400, 0)
    flow("Start_big", "Gateway_open")  # Flow_0 is the gateway's default: renumbered below
    for b in range(branches):
        previous = "Gateway_open"
        for s in range(BRANCH):
            step = f"Step_{b}_{s}"
            if s % 3 == 0:
                xml = (
                    f'<bpmn:userTask id="{step}" name="Étape {b}.{s}"><bpmn:extensionElements>'
                    '<spiffworkflow:properties><spiffworkflow:property name="formJsonSchemaFilename" '
                    'value="big.schema.json"/></spiffworkflow:properties></bpmn:extensionElements>'
                    "</bpmn:userTask>"
                )
            elif s % 3 == 1:
                xml = f'<bpmn:scriptTask id="{step}"><bpmn:script>n_{b} = {s} + 1</bpmn:script></bpmn:scriptTask>'
            else:
                xml = f'<bpmn:exclusiveGateway id="{step}"/>'
            node(xml, step, 200 + s, b * 100)
            condition = f"programme_code != 'b{b}'" if previous == "Gateway_open" else ""
            flow(previous, step, condition)
            previous = step
        flow(previous, "Gateway_join")
    flow("Gateway_join", "End_big")
    # The opening gateway's default flow: the first branch.
    first = next(f for f in flows if f[1] == "Gateway_open")
    flows = [(f[0], f[1], f[2], "" if f is first else f[3]) for f in flows]
    default = first[0]
    body = [n.replace('default="Flow_0"', f'default="{default}"') for n in nodes]
    for flow_id, source, target, condition in flows:
        cond = f"<bpmn:conditionExpression>{condition}</bpmn:conditionExpression>" if condition else ""
        body.append(
            f'<bpmn:sequenceFlow id="{flow_id}" sourceRef="{source}" targetRef="{target}">{cond}</bpmn:sequenceFlow>'
        )
    refs = "".join(
        f"<bpmn:flowNodeRef>{shape.split('bpmnElement=')[1].split(chr(34))[1]}</bpmn:flowNodeRef>"
        for shape in shapes
    )
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Definitions_big"
  targetNamespace="https://parcours-engine.example/bpmn">
<bpmn:process id="big" name="Grand programme" isExecutable="true">
<bpmn:extensionElements><spiffworkflow:properties>
<spiffworkflow:property name="idleThresholdDays" value="30"/></spiffworkflow:properties></bpmn:extensionElements>
<bpmn:laneSet id="LaneSet_big"><bpmn:lane id="Lane_referent" name="Référent">{refs}</bpmn:lane></bpmn:laneSet>
{"".join(body)}
</bpmn:process>
<bpmndi:BPMNDiagram id="Diagram_big"><bpmndi:BPMNPlane id="Plane_big" bpmnElement="big">
{_shape("Lane_referent", 0, 0)}{"".join(shapes)}{"".join(_edge(f[0]) for f in flows)}
</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>"""
    return xml.encode()


def measure(elements: int) -> float:
    bpmn = {"big.bpmn": programme(elements)}
    started = time.perf_counter()
    problems = check_library(bpmn, {"big.schema.json": FORM})
    seconds = time.perf_counter() - started
    errors = [str(p) for p in problems if p.severity == "error"]
    if errors:
        raise SystemExit(f"the generated model has errors: {errors[:3]}")
    return seconds


def first_start(elements: int, rounds: int = 3) -> None:
    """CPU seconds (min of `rounds`) of the parse before/after compiled XPath, and of start+save."""
    bpmn, forms = {"big.bpmn": programme(elements)}, {"big.schema.json": FORM}
    compiled = dict(spiff_parser.Parser.OVERRIDE_PARSER_CLASSES)
    parse: dict[str, list[float]] = {"uncompiled": [], "compiled": []}
    for _ in range(rounds):
        for mode, classes in (
            ("uncompiled", SpiffBpmnParser.OVERRIDE_PARSER_CLASSES),
            ("compiled", compiled),
        ):
            spiff_parser.Parser.OVERRIDE_PARSER_CLASSES = classes
            started = time.process_time()
            model = load_programme(bpmn, forms, "big")
            parse[mode].append(time.process_time() - started)
    spiff_parser.Parser.OVERRIDE_PARSER_CLASSES = compiled
    started = time.process_time()
    Runtime.dump(
        Runtime().start(model, {"programme_code": "b1"}, FrozenClock(datetime(2026, 1, 5, tzinfo=UTC)))
    )
    run = time.process_time() - started
    print(
        f"first start, {elements:>7,} elements: parse {min(parse['uncompiled']):6.2f} s CPU uncompiled XPath, "
        f"{min(parse['compiled']):6.2f} s compiled; start + save {run:5.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    args = parser.parse_args()
    baseline: float | None = None
    for size in args.sizes:
        seconds = measure(size)
        baseline = baseline or seconds
        ratio = seconds / baseline
        print(f"check_library, {size:>7,} elements: {seconds:7.2f} s  (x{ratio:.1f} the first size)")
    for size in args.sizes:
        first_start(size)


if __name__ == "__main__":
    main()
