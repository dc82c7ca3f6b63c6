"""Keep a workflow's saved state bounded: drop the finished tasks nothing can need any more.

SpiffWorkflow 3.2.0 keeps every task object it ever created. Two shapes of model make that grow
without bound over a pathway's life:

- a repeating event (a `timeCycle` timer, a non-interrupting boundary event that fires again and
  again) adds a branch under the waiting event at each occurrence: the branch that ran, and a
  waiting boundary join. 500 weekly reminders made a 0.77 MB state;
- a loop (a monthly check: task -> gateway -> timer -> back) nests each turn under the previous
  one, so the tree gets one level deeper per step, and past 1,000 levels SpiffWorkflow's iterators
  stop looking (the workflow then seems finished).

`compact` runs before each save. It only removes tasks that are finished and that no rule of
SpiffWorkflow reads again, and it keeps the data they carry:

1. Under a catching event that still waits, finished branches of the same element are folded into
   the newest of them. The process end (`_EndJoin`) merges the data of every branch that reached
   it, so the data those branches brought there is merged, oldest first, into the kept branch's.
   Of the waiting boundary joins one per occurrence, the newest stays (the main task's join cancels
   them all when it fires).
2. In a chain of completed tasks (each with one completed child), the middle tasks are taken out
   and the child hangs from the grandparent. A child's data is a full copy (SpiffWorkflow saves it
   as a delta from whatever its parent is at save time). Kept: joins and the tasks that feed them
   (they count completed inputs), splits a join looks back for, end events (the end checks look
   for one), call activities and sub-processes (their state is keyed by task), loop and
   multi-instance tasks and their instances, and each workflow's `last_task`.

What a pathway went through stays in the host's history table, which is written at each transition.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import EventSplit, _EndJoin
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED


def compact(workflow: BpmnWorkflow) -> int:
    """Remove the finished tasks no rule can read again, in the workflow and its sub-processes;
    return how many tasks were removed. The workflow runs on exactly as before."""
    removed = 0
    for part in [workflow, *workflow.subprocesses.values()]:
        protected = _protected_ids(workflow, part)
        removed += _fold_repeated_branches(part, protected)
        removed += _shorten_chains(part, protected)
    return removed


def _protected_ids(top: BpmnWorkflow, part: Any) -> set[UUID]:
    ids = set(top.subprocesses)  # a call activity's task: its sub-workflow hangs from its id
    if part.last_task is not None:
        ids.add(part.last_task.id)
    return ids


# --- 1. repeated occurrences of a waiting event ----------------------------------------------------


def _fold_repeated_branches(part: Any, protected: set[UUID]) -> int:
    removed = 0
    for task in list(part.tasks.values()):
        if task.state != TaskState.WAITING or not isinstance(task.task_spec, CatchingEvent):
            continue
        groups: dict[str, list[Task]] = defaultdict(list)
        for child in task.children:
            groups[child.task_spec.name].append(child)
        for children in groups.values():
            removed += _fold_group(part, children, protected)
    return removed


def _fold_group(part: Any, children: list[Task], protected: set[UUID]) -> int:
    if len(children) < 2:
        return 0
    if all(
        isinstance(c.task_spec, Join) and c.state == TaskState.WAITING and not c._children for c in children
    ):
        # One waiting boundary join per occurrence: the newest stands for all of them.
        return _remove(part, children[:-1], protected)
    done = [c for c in children if _foldable(c, protected)]
    if len(done) < 2:
        return 0
    *older, kept = done
    kept_end = _end_join(kept)
    merged: dict[str, Any] = {}
    for branch in older:
        end = _end_join(branch)
        if end is not None:
            if kept_end is None:
                return 0  # the kept branch never reached the end: nowhere to keep this data
            DeepMerge.merge(merged, end.parent.data)
    if kept_end is not None and merged:
        kept_end.parent.data = DeepMerge.merge(merged, kept_end.parent.data)
    return _remove(part, older, protected)


def _foldable(branch: Task, protected: set[UUID]) -> bool:
    """Finished through and through, with no join but the process end (whose data is folded)."""
    for task in _subtree(branch):
        if not task.has_state(_FINISHED) or task.id in protected:
            return False
        spec = task.task_spec
        if (isinstance(spec, Join) and not isinstance(spec, _EndJoin)) or _feeds_a_join(spec):
            return False
    return True


def _end_join(branch: Task) -> Task | None:
    ends = [t for t in _subtree(branch) if isinstance(t.task_spec, _EndJoin) and t.parent is not None]
    return max(ends, key=lambda t: t.last_state_change, default=None)


def _subtree(task: Task) -> list[Task]:
    found, stack = [], [task]
    while stack:
        current = stack.pop()
        found.append(current)
        stack.extend(current.children)
    return found


def _remove(part: Any, branches: list[Task], protected: set[UUID]) -> int:
    removed = 0
    for branch in branches:
        tasks = _subtree(branch)
        if any(t.id in protected for t in tasks):
            continue
        branch.parent._children.remove(branch.id)
        for task in tasks:
            del part.tasks[task.id]
        removed += len(tasks)
    return removed


# --- 2. chains of completed tasks (loops) ------------------------------------------------------------


def _shorten_chains(part: Any, protected: set[UUID]) -> int:
    split_names = {spec.split_task for spec in part.spec.task_specs.values() if isinstance(spec, Join)}
    removed = 0
    for task in list(part.tasks.values()):
        if task.id in part.tasks and _removable_link(task, protected, split_names):
            parent, child = task.parent, task.children[0]
            parent._children[parent._children.index(task.id)] = child.id
            child._parent = parent.id
            del part.tasks[task.id]
            removed += 1
    return removed


def _removable_link(task: Task, protected: set[UUID], split_names: set[Any]) -> bool:
    if task.state != TaskState.COMPLETED or task.id in protected or len(task._children) != 1:
        return False
    parent = task.parent
    if parent is None or isinstance(parent.task_spec, LoopTask):
        return False
    child = task.children[0]
    if child is None or child.state != TaskState.COMPLETED:
        return False  # a child still to run copies its data from its parent: keep the parent
    spec = task.task_spec
    kept_kinds = (Join, EventSplit, EndEvent, StartEvent, SubWorkflowTask, LoopTask)
    return not (isinstance(spec, kept_kinds) or spec.name in split_names or _feeds_a_join(spec))


def _feeds_a_join(spec: Any) -> bool:
    """An input of a join other than the process end: such joins count their completed inputs."""
    return any(isinstance(output, Join) and not isinstance(output, _EndJoin) for output in spec.outputs)
