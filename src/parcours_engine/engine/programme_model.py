"""A parsed programme as the host keeps it (`ProcessModel`), and what the host reads from each of its
flow nodes (`ElementMeta`: lane, form, measure, limits), taken from the BPMN extension properties."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lxml import etree

from parcours_engine.engine import checks

if TYPE_CHECKING:
    from SpiffWorkflow.bpmn.specs import BpmnProcessSpec


@dataclass(frozen=True)
class ElementMeta:
    """What the host reads from one flow node of a model."""

    element_id: str
    name: str | None
    kind: str  # BPMN local tag name, e.g. "userTask"
    process_id: str  # the (sub)process whose spec holds it: `task.workflow.spec.name`
    lane: str | None
    form: str | None
    ui_form: str | None
    measure: bool
    max_wait_days: int | None
    due_in_days: int | None
    appointment_kind: str | None = None  # a user task completed by an appointment's attendance


@dataclass(frozen=True)
class ProcessModel:
    """One programme, parsed, with everything it needs to run and to be stored as a version."""

    process_id: str
    name: str
    filename: str
    spec: BpmnProcessSpec
    subprocess_specs: dict[str, BpmnProcessSpec]
    files: dict[str, bytes]  # the BPMN files it needs: its own + every block it calls, transitively
    forms: dict[str, bytes]  # the form files its user tasks name (blocks included), by name
    idle_threshold_days: int
    elements: dict[str, ElementMeta]  # by element id, over the programme and its blocks
    # processes/README.md: a booked appointment of the pathway counts as a planned measure
    appointments_planned: bool = False


def property_value(props: Mapping[str, etree._Element], name: str) -> str | None:
    prop = props.get(name)
    value = None if prop is None else (prop.get("value") or "").strip()
    return value or None


def element_meta(node: etree._Element, in_lane: Mapping[str, str]) -> ElementMeta:
    kind = checks.local(node)
    props = checks.properties(node)
    is_user_task = kind == "userTask"
    is_activity = kind in checks.ACTIVITIES
    scope = node.getparent()
    while scope is not None and checks.local(scope) not in checks.SCOPES:
        scope = scope.getparent()
    return ElementMeta(
        element_id=node.get("id") or "",
        name=node.get("name"),
        kind=kind,
        process_id=(scope.get("id") or "") if scope is not None else "",
        lane=checks.lane_of(node, in_lane),
        form=property_value(props, "formJsonSchemaFilename") if is_user_task else None,
        ui_form=property_value(props, "formUiSchemaFilename") if is_user_task else None,
        measure=is_activity and property_value(props, "measure") == "true",
        max_wait_days=checks.whole_number(props.get("maxWaitDays")) if is_activity else None,
        due_in_days=checks.whole_number(props.get("dueInDays")) if is_user_task else None,
        appointment_kind=property_value(props, "appointmentKind") if is_user_task else None,
    )
