"""What changed between two versions of a programme, element by element, as the engine sees them.

The host's element metadata (names, lanes, forms, limits) would miss a changed script, condition or
timer, so two elements with the same id are compared the way SpiffWorkflow's `SpecDiff` compares
aligned task specs: their serialized forms, attribute by attribute. Unlike `SpecDiff`, every element
is compared, including those its walk from the start event does not reach, and an element whose id
changed counts as removed and added (a diagram compares by id; the migration mapping, which does
align by position, lives in `instance_migration`). Internal specs (Start, End, joins) are left out:
a coordinator sees BPMN elements only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.bpmn.specs import BpmnProcessSpec

from parcours_engine.engine import serializer
from parcours_engine.engine.loader import ProcessModel


@dataclass(frozen=True)
class ElementChange:
    element_id: str
    name: str | None  # the new name for added and changed elements, the old one for removed
    process_id: str  # the programme's process or the block that holds the element
    attributes: tuple[str, ...] = ()  # for a changed element: what changed (script, bpmn_name...)


@dataclass(frozen=True)
class ModelDiff:
    added: tuple[ElementChange, ...]
    removed: tuple[ElementChange, ...]
    changed: tuple[ElementChange, ...]

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def diff_models(old: ProcessModel, new: ProcessModel) -> ModelDiff:
    """Elements added, removed and changed from `old` to `new`, over the programme and its blocks."""
    before = {old.spec.name: old.spec, **old.subprocess_specs}
    after = {new.spec.name: new.spec, **new.subprocess_specs}
    added: list[ElementChange] = []
    removed: list[ElementChange] = []
    changed: list[ElementChange] = []
    for process_id in sorted(before.keys() | after.keys()):
        old_elements = _elements(before.get(process_id))
        new_elements = _elements(after.get(process_id))
        for element_id in sorted(new_elements.keys() - old_elements.keys()):
            added.append(ElementChange(element_id, new_elements[element_id].bpmn_name, process_id))
        for element_id in sorted(old_elements.keys() - new_elements.keys()):
            removed.append(ElementChange(element_id, old_elements[element_id].bpmn_name, process_id))
        for element_id in sorted(old_elements.keys() & new_elements.keys()):
            spec = new_elements[element_id]
            attributes = _compare(old_elements[element_id], spec)
            if attributes:
                changed.append(ElementChange(element_id, spec.bpmn_name, process_id, attributes))
    return ModelDiff(tuple(added), tuple(removed), tuple(changed))


def _elements(spec: BpmnProcessSpec | None) -> dict[str, Any]:
    """The task specs of a process that stand for a BPMN element, by element id."""
    if spec is None:
        return {}
    return {task.bpmn_id: task for task in spec.task_specs.values() if task.bpmn_id is not None}


def _compare(old: Any, new: Any) -> tuple[str, ...]:
    """The serialized attributes that differ (SpecDiff's comparison of two aligned specs)."""
    registry = serializer.registry()
    first, second = registry.convert(old), registry.convert(new)
    if first.get("typename") != second.get("typename"):
        return ("typename",)
    keys = sorted(first.keys() | second.keys())
    return tuple(key for key in keys if first.get(key) != second.get(key))
