"""Keep a workflow's saved state bounded: drop the finished tasks nothing can need any more.

SpiffWorkflow 3.2.0 keeps every task object it ever created. Three shapes of model make that grow
without bound over a pathway's life:

- a repeating event (a `timeCycle` timer, a non-interrupting boundary event that fires again and
  again) adds a branch under the waiting event at each occurrence: the branch that ran, and a
  waiting boundary join. 500 weekly reminders made a 0.77 MB state;
- a loop (a monthly check: task -> gateway -> timer -> back) nests each turn under the previous
  one, so the tree gets one level deeper per step, and past 1,000 levels SpiffWorkflow's iterators
  stop looking (the workflow then seems finished);
- a loop through call activities and boundary timers (RSA: choose a step, run its block, choose
  again; beside it the CER, flagged a month before its end and renewed) keeps each block's whole
  sub-workflow and each turn's split, join and ended side branch: ~6 KB more per turn.

`compact` runs before each save. It only removes tasks that are finished and that no rule of
SpiffWorkflow reads again, and it keeps the data they carry:

0. The sub-workflow of a finished call activity or sub-process goes: the task copied its data
   when it completed, and SpiffWorkflow looks a sub-workflow up only for a task still running.
1. Under a catching event that still waits, finished branches of the same element are folded into
   the newest of them. The process end (`_EndJoin`) merges the data of every branch that reached
   it, so the data those branches brought there is merged, oldest first, into the kept branch's.
   Of the waiting boundary joins one per occurrence, the newest stays (the main task's join cancels
   them all when it fires).
2. Finished side branches of the path to the tasks still to run (a boundary timer's branch that
   ended, in a past turn) go, their data at the process end folded into the newest of them.
3. In a chain of completed tasks (each with one completed child), the middle tasks are taken out
   and the child hangs from the grandparent. A child's data is a full copy (SpiffWorkflow saves it
   as a delta from whatever its parent is at save time).

What SpiffWorkflow can still read is kept (2 and 3): for each task still to run, the nearest split
of each join (a join finds its split with `find_ancestor`, then reads the split's children), with
those children; parallel and inclusive joins and their inputs (they count completed inputs over the
whole tree); start and end events (the end checks look for one); loop and multi-instance tasks and
their instances; each workflow's `last_task`; a finished workflow as it ended.

What a pathway went through stays in the host's own tables, written at each transition (events,
work items, waits and idle periods): the indicators and the history read those, never this state.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.specs.control import _EndJoin
from SpiffWorkflow.bpmn.specs.mixins.events.end_event import EndEvent
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

_FINISHED = TaskState.COMPLETED | TaskState.CANCELLED


# Where the answers of removed tasks are kept, in the root task's internal data (saved with the state,
# never seen by the model): {field: [changed_at, value]}, the freshest value of each field.
RECORDED = "parcours_recorded"


def compact(workflow: BpmnWorkflow) -> int:
    """Remove the finished tasks no rule can read again, in the workflow and its sub-processes;
    return how many tasks were removed. The workflow runs on exactly as before, and what the removed
    tasks recorded is still answered by `recorded`."""
    before = _all_tasks(workflow)
    _drop_finished_subworkflows(workflow)
    for part in [workflow, *workflow.subprocesses.values()]:
        protected = _protected_ids(workflow, part)
        _fold_repeated_branches(part, protected)
        spine, anchors = _spine_and_anchors(part)
        _prune_dead_branches(part, protected, spine, anchors, top=part is workflow)
        _shorten_chains(part, protected, anchors)
    after = _all_tasks(workflow)
    removed = [task for task_id, task in before.items() if task_id not in after]
    _keep_recorded(workflow, removed)
    return len(removed)


def recorded(workflow: BpmnWorkflow) -> list[tuple[float, dict[str, Any]]]:
    """What removed tasks recorded: (when it changed, {field: value}), one entry per field."""
    kept = workflow.task_tree.internal_data.get(RECORDED, {}) if workflow.task_tree is not None else {}
    return [(changed_at, {field: value}) for field, (changed_at, value) in kept.items()]


def _all_tasks(workflow: BpmnWorkflow) -> dict[UUID, Task]:
    return {
        task_id: task
        for part in [workflow, *workflow.subprocesses.values()]
        for task_id, task in part.tasks.items()
    }


def _keep_recorded(workflow: BpmnWorkflow, removed: list[Task]) -> None:
    if not removed or workflow.task_tree is None:
        return
    kept = workflow.task_tree.internal_data.setdefault(RECORDED, {})
    for task in sorted(removed, key=lambda t: t.last_state_change):
        for field, value in task.data.items():
            held = kept.get(field)
            if held is None or held[0] <= task.last_state_change:
                kept[field] = [task.last_state_change, value]


def _protected_ids(top: BpmnWorkflow, part: Any) -> set[UUID]:
    ids = set(top.subprocesses)  # a call activity's task: its sub-workflow hangs from its id
    if part.last_task is not None:
        ids.add(part.last_task.id)
    return ids


# --- 0. sub-workflows of finished call activities and sub-processes ----------------------------------


def _drop_finished_subworkflows(top: BpmnWorkflow) -> int:
    """A call activity copies its sub-workflow's last data when it completes; from then on nothing
    reads that sub-workflow again (SpiffWorkflow looks it up only to start, update or cancel a task
    still running). Dropping it un-protects the call activity's task for the chain shortening."""
    owner = {task_id: part for part in [top, *top.subprocesses.values()] for task_id in part.tasks}
    removed = 0
    for task_id, sub in list(top.subprocesses.items()):
        part = owner.get(task_id)
        task = part.tasks[task_id] if part is not None else None
        if task is None or not task.has_state(_FINISHED) or not _finished_through(top, sub):
            continue
        for gone in _with_nested(top, task_id):
            removed += len(top.subprocesses.pop(gone).tasks)
    return removed


def _with_nested(top: BpmnWorkflow, task_id: UUID) -> list[UUID]:
    """The sub-workflow started by `task_id` and those started by its tasks, at any depth."""
    found, stack = [], [task_id]
    while stack:
        current = stack.pop()
        if current in top.subprocesses:
            found.append(current)
            stack.extend(t for t in top.subprocesses[current].tasks if t in top.subprocesses)
    return found


def _finished_through(top: BpmnWorkflow, sub: Any) -> bool:
    return all(top.subprocesses[i].completed for i in _with_nested(top, sub.parent_task_id))


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


# --- what a task still to run can look up --------------------------------------------------------


def _spine_and_anchors(part: Any) -> tuple[set[UUID], set[UUID]]:
    """The ancestors of the tasks still to run (the path a loop keeps turning on), and among them,
    for each task still to run, its nearest split of each join: all that SpiffWorkflow's
    `find_ancestor` is asked for (a join looking up its split, whose children it then reads)."""
    splits = _split_names(part)
    spine: set[UUID] = set()
    anchors: set[UUID] = set()
    for task in part.tasks.values():
        if task.has_state(_FINISHED):
            continue
        seen: set[str] = set()
        current = task.parent
        while current is not None:
            spine.add(current.id)
            name = current.task_spec.name
            if name in splits and name not in seen:
                seen.add(name)
                anchors.add(current.id)
            current = current.parent
    return spine, anchors


def _split_names(part: Any) -> set[str]:
    return {
        spec.split_task
        for spec in part.spec.task_specs.values()
        if isinstance(spec, Join) and spec.split_task
    }


def _unstructured_join(spec: Any) -> bool:
    """A join that counts its completed inputs over the whole tree (parallel and inclusive gateways)."""
    return isinstance(spec, Join) and spec.split_task is None and not isinstance(spec, _EndJoin)


def _feeds_unstructured_join(spec: Any) -> bool:
    return any(_unstructured_join(output) for output in spec.outputs)


def _reads_the_tree(spec: Any) -> bool:
    """Tasks kept wherever they are: unstructured joins and their inputs (they are counted), loops
    and multi-instance tasks, start and end events (the end checks look for one)."""
    return (
        _unstructured_join(spec)
        or _feeds_unstructured_join(spec)
        or isinstance(spec, (LoopTask, StartEvent, EndEvent))
    )


# --- 2. finished side branches of a loop that turns on -----------------------------------------------


def _prune_dead_branches(
    part: Any, protected: set[UUID], spine: set[UUID], anchors: set[UUID], top: bool
) -> int:
    """Remove the finished branches hanging from the path to the tasks still to run (the past turns of
    a boundary timer that fired, a sub-process's ended branch...). The data they brought to the
    process end (`_EndJoin`, which merges every branch that reached it) is folded into the newest of
    them, which stays."""
    if all(task.has_state(_FINISHED) for task in part.tasks.values()):
        return 0  # an ended workflow stays whole: it is read as it ended
    dead: list[Task] = []
    for task_id in spine:
        task = part.tasks.get(task_id)
        if task is None or isinstance(task.task_spec, LoopTask):
            continue
        if task.id in anchors:
            continue  # a split a join may still read: its children stay as they are
        for child in task.children:
            if child.id not in spine and _dead(child, protected, anchors, top):
                dead.append(child)
    if not dead:
        return 0
    ends = sorted((b for b in dead if _end_join(b) is not None), key=lambda b: _end_join(b).last_state_change)  # type: ignore[union-attr]
    if ends:
        carrier = ends[-1]
        merged: dict[str, Any] = {}
        for branch in ends[:-1]:
            DeepMerge.merge(merged, _end_join(branch).parent.data)  # type: ignore[union-attr]
        if merged:
            end = _end_join(carrier)
            end.parent.data = DeepMerge.merge(merged, end.parent.data)  # type: ignore[union-attr]
        dead.remove(carrier)
    return _remove(part, dead, protected)


def _dead(branch: Task, protected: set[UUID], anchors: set[UUID], top: bool) -> bool:
    for task in _subtree(branch):
        spec = task.task_spec
        if not task.has_state(_FINISHED) or task.id in protected or task.id in anchors:
            return False
        if _reads_the_tree(spec) and not (isinstance(spec, EndEvent) and not top):
            return False
        if any(
            isinstance(o, Join) and o.split_task and _split_of(task, o.split_task) in anchors
            for o in spec.outputs
        ):
            return False  # an input of a join whose split is still in use
    return True


def _split_of(task: Task, split_name: str) -> UUID | None:
    split = task.find_ancestor(split_name)
    return split.id if split is not None else None


# --- 3. chains of completed tasks (loops) ------------------------------------------------------------


def _shorten_chains(part: Any, protected: set[UUID], anchors: set[UUID]) -> int:
    removed = 0
    for task in list(part.tasks.values()):
        if task.id in part.tasks and _removable_link(task, protected, anchors):
            parent, child = task.parent, task.children[0]
            parent._children[parent._children.index(task.id)] = child.id
            child._parent = parent.id
            del part.tasks[task.id]
            removed += 1
    return removed


def _removable_link(task: Task, protected: set[UUID], anchors: set[UUID]) -> bool:
    """A completed task with one completed child that no task still to run can look up: it is not
    the split a join may still read, nor one of that split's children."""
    if task.state != TaskState.COMPLETED or len(task._children) != 1:
        return False
    if task.id in protected or task.id in anchors or _reads_the_tree(task.task_spec):
        return False
    parent = task.parent
    if parent is None or isinstance(parent.task_spec, LoopTask):
        return False
    if parent.id in anchors:
        return False
    child = task.children[0]
    return child is not None and child.state == TaskState.COMPLETED  # else it copies its parent's data


def _feeds_a_join(spec: Any) -> bool:
    """An input of a join other than the process end."""
    return any(isinstance(output, Join) and not isinstance(output, _EndJoin) for output in spec.outputs)
