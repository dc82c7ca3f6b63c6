"""Save and restore a workflow's state with the process spec by reference.

SpiffWorkflow embeds the whole spec in every saved state; rebuilding it is about half of the load time
and half of the size (SPIFFWORKFLOW_NOTES.md). A published version's spec never changes, so the state
keeps only the instance (tasks, data, subprocesses) and the loader joins the already-parsed spec
objects back in. The format string stored next to the state names both layers.
"""

from __future__ import annotations

import json
from copy import deepcopy
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs import BpmnProcessSpec
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

# Our layer's format; bump it (and teach `loads` the old one) when the stored shape changes.
STATE_FORMAT = "spec-by-ref/1"


class _SpecByReferenceConverter(BpmnWorkflowConverter):
    """Leaves the specs out when saving; takes them ready-made when restoring."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = self._workflow_attributes(workflow)
        dct["spec"] = workflow.spec.name
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def _workflow_attributes(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        # WorkflowConverter.to_dict, without BpmnWorkflowConverter's spec conversion.
        return super(BpmnWorkflowConverter, self).to_dict(workflow)

    def from_dict(self, dct: dict[str, Any]) -> BpmnWorkflow:
        spec = dct.pop("spec")
        subprocess_specs = dct.pop("subprocess_specs", {})
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _build_serializer() -> BpmnWorkflowSerializer:
    config = deepcopy(SPIFF_CONFIG)
    config[BpmnWorkflow] = _SpecByReferenceConverter
    registry = BpmnWorkflowSerializer.configure(config)
    # Scripts may put dates in task data (parse_date, add_months): keep them as dates.
    registry.register(date, lambda v: {"value": v.isoformat()}, lambda d: date.fromisoformat(d["value"]))
    registry.register(
        datetime, lambda v: {"value": v.isoformat()}, lambda d: datetime.fromisoformat(d["value"])
    )
    registry.register(Decimal, lambda v: {"value": str(v)}, lambda d: Decimal(d["value"]))
    return BpmnWorkflowSerializer(registry)


_SERIALIZER = _build_serializer()
SERIALIZER_VERSION = f"{STATE_FORMAT}+spiff-{_SERIALIZER.VERSION}"


def registry() -> Any:
    """The converter registry (SpiffWorkflow's spec diff compares specs through it)."""
    return _SERIALIZER.registry


def dumps(workflow: BpmnWorkflow) -> str:
    """The workflow's state as JSON, without its spec."""
    registry = _SERIALIZER.registry
    registry._encoder_mode = True  # what serialize_json does: converts nested values for JSON
    try:
        dct = _SERIALIZER.to_dict(workflow)
    finally:
        registry._encoder_mode = False
    dct[_SERIALIZER.VERSION_KEY] = _SERIALIZER.VERSION
    return json.dumps(dct, cls=_SERIALIZER._encoder_cls, separators=(",", ":"))


def loads(
    state: str,
    spec: BpmnProcessSpec,
    subprocess_specs: dict[str, BpmnProcessSpec],
    serializer_version: str = SERIALIZER_VERSION,
) -> BpmnWorkflow:
    """Rebuild a workflow from `dumps` output and the (shared, immutable) specs of its version."""
    if not serializer_version.startswith(STATE_FORMAT + "+"):
        raise ValueError(f"unknown saved-state format {serializer_version!r}")
    dct = json.loads(state)
    _SERIALIZER.migrate(dct)  # SpiffWorkflow's own migrations between its serializer versions
    dct["spec"] = spec
    dct["subprocess_specs"] = subprocess_specs
    workflow: BpmnWorkflow = _SERIALIZER.from_dict(dct)
    return workflow
