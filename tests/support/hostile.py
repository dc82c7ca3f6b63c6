"""Hostile and clumsy models for tests: the fixture library with a script or a step made dangerous,
and small programmes written in a few lines (with the diagram a publish needs)."""

from __future__ import annotations

from xml.sax.saxutils import escape

from parcours_engine.engine.loader import read_library_dir
from tests.support.library import FIXTURE_LIBRARY

Files = dict[str, bytes]
# The script run after the diagnostic task of the `reference` programme (tests/fixtures/library).
REFERENCE_SCRIPT = "ratio = 10 / diviseur"
DIAGNOSTIC = {"besoin_formation": False, "diviseur": 2}
ACCUEIL = {"date_accueil": "2026-01-06", "orientation": "interne"}


def fixture_library() -> tuple[Files, Files]:
    return read_library_dir(FIXTURE_LIBRARY / "processes", FIXTURE_LIBRARY / "forms")


def reference_with(script: str | None = None, characteristics: str = "") -> tuple[Files, Files]:
    """The fixture library whose diagnostic script is `script`, and/or whose script task carries
    `characteristics` (e.g. a multi-instance loop)."""
    bpmn, forms = fixture_library()
    text = bpmn["reference.bpmn"].decode()
    if script is not None:
        assert REFERENCE_SCRIPT in text
        text = text.replace(REFERENCE_SCRIPT, escape(script))
    if characteristics:
        anchor = "<bpmn:outgoing>Flow_4</bpmn:outgoing><bpmn:script>"
        assert anchor in text
        text = text.replace(anchor, f"<bpmn:outgoing>Flow_4</bpmn:outgoing>{characteristics}<bpmn:script>")
    return {**bpmn, "reference.bpmn": text.encode()}, forms


_HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  xmlns:di="http://www.omg.org/spec/DD/20100524/DI"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" id="Defs_{pid}"
  targetNamespace="https://parcours-engine.example/tests">"""


def programme(pid: str, nodes: list[str], flows: list[tuple[str, str, str]], programme: bool = True) -> bytes:
    """A process `pid` in one Référent lane: `nodes` are flow node elements (each with an `id`),
    `flows` (source, target, condition) become sequence flows; every node gets a shape, every flow
    an edge. A programme carries its idle threshold."""
    ids = [node.split('id="', 1)[1].split('"', 1)[0] for node in nodes]
    props = (
        '<bpmn:extensionElements><spiffworkflow:properties><spiffworkflow:property name="idleThresholdDays" '
        'value="30"/></spiffworkflow:properties></bpmn:extensionElements>'
        if programme
        else ""
    )
    flow_xml, edges = [], []
    for number, (source, target, condition) in enumerate(flows):
        fid = f"Flow_{pid}_{number}"
        cond = (
            f"<bpmn:conditionExpression>{escape(condition)}</bpmn:conditionExpression>" if condition else ""
        )
        flow_xml.append(
            f'<bpmn:sequenceFlow id="{fid}" sourceRef="{source}" targetRef="{target}">{cond}</bpmn:sequenceFlow>'
        )
        edges.append(
            f'<bpmndi:BPMNEdge id="{fid}_di" bpmnElement="{fid}"><di:waypoint x="0" y="0"/>'
            '<di:waypoint x="10" y="0"/></bpmndi:BPMNEdge>'
        )
    shapes = [
        f'<bpmndi:BPMNShape id="{i}_di" bpmnElement="{i}"><dc:Bounds x="{100 * n}" y="0" width="80" height="80"/></bpmndi:BPMNShape>'
        for n, i in enumerate([f"Lane_{pid}", *ids])
    ]
    refs = "".join(f"<bpmn:flowNodeRef>{i}</bpmn:flowNodeRef>" for i in ids)
    return (
        _HEADER.format(pid=pid)
        + f'<bpmn:process id="{pid}" name="{pid}" isExecutable="true">{props}'
        + f'<bpmn:laneSet id="LaneSet_{pid}"><bpmn:lane id="Lane_{pid}" name="Référent">{refs}</bpmn:lane></bpmn:laneSet>'
        + "".join(nodes)
        + "".join(flow_xml)
        + f'</bpmn:process><bpmndi:BPMNDiagram id="Diagram_{pid}"><bpmndi:BPMNPlane id="Plane_{pid}" bpmnElement="{pid}">'
        + "".join(shapes)
        + "".join(edges)
        + "</bpmndi:BPMNPlane></bpmndi:BPMNDiagram></bpmn:definitions>"
    ).encode()


def user_task(element_id: str, form: str = "ref_accueil.schema.json") -> str:
    return (
        f'<bpmn:userTask id="{element_id}" name="{element_id}"><bpmn:extensionElements><spiffworkflow:properties>'
        f'<spiffworkflow:property name="formJsonSchemaFilename" value="{form}"/></spiffworkflow:properties>'
        "</bpmn:extensionElements></bpmn:userTask>"
    )


def runaway_library() -> tuple[Files, Files]:
    """A programme `boucle` whose loop passes through a call activity to a block that waits for
    nobody: it passes the check (a call activity may wait) and runs away once the accueil is done."""
    _bpmn, forms = fixture_library()
    main = programme(
        "boucle",
        [
            '<bpmn:startEvent id="Start_boucle"/>',
            user_task("Task_boucle_accueil"),
            '<bpmn:scriptTask id="Script_boucle_init"><bpmn:script>n = 0</bpmn:script></bpmn:scriptTask>',
            '<bpmn:callActivity id="Call_boucle_vide" calledElement="bloc_vide"/>',
            '<bpmn:exclusiveGateway id="Gateway_boucle" default="Flow_boucle_3"/>',
            '<bpmn:endEvent id="End_boucle"/>',
        ],
        [
            ("Start_boucle", "Task_boucle_accueil", ""),
            ("Task_boucle_accueil", "Script_boucle_init", ""),
            ("Script_boucle_init", "Call_boucle_vide", ""),
            ("Call_boucle_vide", "Gateway_boucle", ""),
            ("Gateway_boucle", "End_boucle", "n < 0"),
            ("Gateway_boucle", "Call_boucle_vide", ""),  # Flow_boucle_5, see the default below
        ],
    ).replace(b'default="Flow_boucle_3"', b'default="Flow_boucle_5"')
    block = programme(
        "bloc_vide",
        [
            '<bpmn:startEvent id="Start_vide"/>',
            '<bpmn:scriptTask id="Script_vide"><bpmn:script>n = n + 1</bpmn:script></bpmn:scriptTask>',
            '<bpmn:endEvent id="End_vide"/>',
        ],
        [("Start_vide", "Script_vide", ""), ("Script_vide", "End_vide", "")],
        programme=False,
    )
    return {"boucle.bpmn": main, "blocs/vide.bpmn": block}, forms
