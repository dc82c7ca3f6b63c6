"""Instance migration inside call activities: tokens in a called block move with it or are refused.

The fixture programme calls `bloc_formation` when a training is needed; these pathways wait inside
that block, so the block's spec diff (not the top level's) decides where their token goes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from parcours_engine.domain.clock import FrozenClock
from parcours_engine.engine import instance_migration, serializer
from parcours_engine.engine.loader import ProcessModel, load_library, read_library_dir
from parcours_engine.engine.runtime import Runtime
from tests.support.library import FIXTURE_LIBRARY

BLOCK = "blocs/formation.bpmn"
MAIN = "reference.bpmn"
CLOCK = FrozenClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
RUNTIME = Runtime()
BPMN, FORMS = read_library_dir(FIXTURE_LIBRARY / "processes", FIXTURE_LIBRARY / "forms")

Edit = Callable[[str], str]


def version(block: Edit | None = None, main: Edit | None = None) -> ProcessModel:
    files = dict(BPMN)
    for name, edit in ((BLOCK, block), (MAIN, main)):
        if edit is not None:
            files[name] = edit(files[name].decode()).encode()
    return load_library(files, FORMS).programmes["reference"]


V1 = version()


def complete(workflow, data: dict) -> None:
    (task,) = RUNTIME.ready_tasks(workflow)
    RUNTIME.complete(workflow, task.task_id, data, CLOCK)


def in_training():
    """A pathway waiting at `Task_suivre_formation`, inside the called training block."""
    workflow = RUNTIME.start(V1, {}, CLOCK)
    complete(workflow, {"date_accueil": "2026-01-06", "orientation": "interne"})
    complete(workflow, {"besoin_formation": True, "diviseur": 1})
    return workflow


def renamed_task(text: str) -> str:
    return text.replace('name="Suivre la formation"', 'name="Suivre la formation qualifiante"')


def without_the_task(text: str) -> str:
    """The block goes straight from its start to its end: the waiting task has no counterpart."""
    lines = [
        line for line in text.splitlines() if "Task_suivre_formation" not in line and "Flow_b2" not in line
    ]
    return (
        "\n".join(lines)
        .replace('targetRef="Task_suivre_formation"', 'targetRef="End_formation"')
        .replace(
            '<bpmn:endEvent id="End_formation">',
            '<bpmn:endEvent id="End_formation"><bpmn:incoming>Flow_b1</bpmn:incoming>',
        )
    )


def test_a_token_inside_a_block_keeps_its_task_when_the_block_changes():
    workflow = in_training()
    (before,) = RUNTIME.ready_tasks(workflow)
    v2 = version(block=renamed_task)

    plan = instance_migration.plan(workflow, v2)
    assert plan.possible
    assert plan.mapping == {
        "Call_formation": "Call_formation",
        "Task_suivre_formation": "Task_suivre_formation",
    }

    migrated = instance_migration.apply(workflow, v2, CLOCK)
    (after,) = RUNTIME.ready_tasks(migrated)
    # Same task (its open work item stays valid), now read from the new block.
    assert (after.task_id, after.element_id, after.name) == (
        before.task_id,
        "Task_suivre_formation",
        "Suivre la formation qualifiante",
    )
    complete(migrated, {"date_entretien": "2026-01-20"})
    assert [t.element_id for t in RUNTIME.ready_tasks(migrated)] == ["Task_bilan"]


def test_a_token_at_a_block_task_that_is_gone_is_refused_and_named():
    workflow = in_training()
    saved = serializer.dumps(workflow)
    v2 = version(block=without_the_task)

    plan = instance_migration.plan(workflow, v2)
    assert plan.mapping["Task_suivre_formation"] is None
    assert plan.blocking == ("Task_suivre_formation",)
    with pytest.raises(instance_migration.MigrationRefused, match="Task_suivre_formation"):
        instance_migration.apply(workflow, v2, CLOCK)
    assert serializer.dumps(workflow) == saved  # never half-moved


def test_a_replaced_block_task_is_mapped_to_its_successor_in_place():
    """SpiffWorkflow aligns an unmatched id by position: the preview must show the new id."""
    workflow = in_training()
    v2 = version(block=lambda text: text.replace("Task_suivre_formation", "Task_suivi_stage"))
    plan = instance_migration.plan(workflow, v2)
    assert plan.possible and plan.mapping["Task_suivre_formation"] == "Task_suivi_stage"
    migrated = instance_migration.apply(workflow, v2, CLOCK)
    assert [t.element_id for t in RUNTIME.ready_tasks(migrated)] == ["Task_suivi_stage"]


def test_a_finished_block_whose_process_is_renamed_is_refused():
    """Its history points at the old block's elements: restoring it on the new version would fail."""
    workflow = in_training()
    complete(workflow, {"date_entretien": "2026-01-20"})  # the block is done; waiting at Task_bilan
    saved = serializer.dumps(workflow)
    v2 = version(
        block=lambda text: text.replace('id="bloc_formation"', 'id="bloc_formation_v2"'),
        main=lambda text: text.replace('calledElement="bloc_formation"', 'calledElement="bloc_formation_v2"'),
    )
    plan = instance_migration.plan(workflow, v2)
    assert plan.mapping == {"Task_bilan": "Task_bilan"}
    assert "Task_suivre_formation" in plan.blocking
    with pytest.raises(instance_migration.MigrationRefused):
        instance_migration.apply(workflow, v2, CLOCK)
    assert serializer.dumps(workflow) == saved


def test_the_migrated_state_restores_on_the_new_version_only():
    workflow = in_training()
    v2 = version(block=renamed_task)
    migrated = instance_migration.apply(workflow, v2, CLOCK)
    state, format_version = RUNTIME.dump(migrated)
    restored = RUNTIME.load(v2, state, format_version)
    assert RUNTIME.dump(restored)[0] == state
    assert [t.name for t in RUNTIME.ready_tasks(restored)] == ["Suivre la formation qualifiante"]
    # The original pathway is still a version-1 pathway.
    assert [t.name for t in RUNTIME.ready_tasks(workflow)] == ["Suivre la formation"]
