"""Move a running workflow onto a newer version of its programme.

SpiffWorkflow aligns two specs by element id (`SpiffWorkflow.bpmn.util.diff`), then can swap the
spec under a live instance. What it does not do is refuse a move that would lose a token: a pathway
waiting at an element the new version no longer has would silently lose its position. `plan` finds
those elements first; `apply` migrates only a plan without them, on a copy, and proves the result
survives a save/restore round trip before anyone stores it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.util.diff import diff_workflow, migrate_workflow
from SpiffWorkflow.util.task import TaskState

from parcours_engine.domain.clock import Clock
from parcours_engine.engine import serializer, timers
from parcours_engine.engine.loader import ProcessModel

_WAITING = TaskState.READY | TaskState.WAITING | TaskState.STARTED


class MigrationRefused(Exception):
    """The workflow cannot move to the new version without losing where it stands."""


@dataclass(frozen=True)
class MigrationPlan:
    """Where each waiting token goes: old element id → new element id (None: no counterpart)."""

    mapping: dict[str, str | None] = field(default_factory=dict)
    blocking: tuple[str, ...] = ()  # elements waited at or passed with no counterpart: refused

    @property
    def possible(self) -> bool:
        return not self.blocking


def plan(workflow: BpmnWorkflow, new_model: ProcessModel) -> MigrationPlan:
    """The element mapping for every element the workflow waits at, and what blocks the move."""
    top, subs = diff_workflow(serializer.registry(), workflow, new_model.spec, new_model.subprocess_specs)
    mapping: dict[str, str | None] = {}
    lost: set[str] = set()
    for task in workflow.get_tasks(state=_WAITING | TaskState.FINISHED_MASK):
        spec_id = task.task_spec.bpmn_id
        if spec_id is None:
            continue
        diff = top if task.workflow is workflow else subs.get(task.workflow.parent_task_id)
        new_spec = None if diff is None else diff.alignment.get(task)
        if task.has_state(_WAITING):
            mapping[spec_id] = None if new_spec is None else new_spec.bpmn_id
        if new_spec is None:
            # A step already taken must exist in the new version too: the saved history refers to
            # it, and a history pointing at nothing could not be restored.
            lost.add(spec_id)
    return MigrationPlan(mapping=mapping, blocking=tuple(sorted(lost)))


def apply(workflow: BpmnWorkflow, new_model: ProcessModel, clock: Clock) -> BpmnWorkflow:
    """A new workflow object on `new_model`; the given one is left untouched."""
    migration_plan = plan(workflow, new_model)
    if not migration_plan.possible:
        raise MigrationRefused("no counterpart in the new version for: " + ", ".join(migration_plan.blocking))
    state = serializer.dumps(workflow)
    copy = serializer.loads(state, workflow.spec, workflow.subprocess_specs)
    copy.script_engine = workflow.script_engine
    top, subs = diff_workflow(serializer.registry(), copy, new_model.spec, new_model.subprocess_specs)
    # Reset READY tasks only (SpiffWorkflow re-predicts their branch on the new spec); WAITING ones
    # are timers and messages whose due time or subscription must survive the move.
    migrate_workflow(top, copy, new_model.spec, reset_mask=TaskState.READY)
    for sp_id, subprocess in list(copy.subprocesses.items()):
        diff = subs.get(sp_id)
        new_spec = new_model.subprocess_specs.get(subprocess.spec.name)
        if diff is None or new_spec is None:
            raise MigrationRefused(f"sub-process {subprocess.spec.name!r} is gone from the new version")
        migrate_workflow(diff, subprocess, new_spec, reset_mask=TaskState.READY)
    copy.subprocess_specs = new_model.subprocess_specs
    with timers.using_clock(clock):  # timers passed during the move fire on the injected clock
        copy.do_engine_steps()  # re-predicts the branches SpiffWorkflow reset
    return _verified(copy, new_model)


def _verified(workflow: BpmnWorkflow, model: ProcessModel) -> BpmnWorkflow:
    """Prove the migrated state restores to itself on the new specs; return the restored copy."""
    state = serializer.dumps(workflow)
    try:
        restored = serializer.loads(state, model.spec, model.subprocess_specs)
    except Exception as exc:  # any failure here means the move would corrupt the pathway
        raise MigrationRefused(f"the migrated state cannot be restored: {exc!r}") from exc
    if serializer.dumps(restored) != state:
        raise MigrationRefused("the migrated state does not survive a save/restore round trip")
    restored.script_engine = workflow.script_engine
    return restored
