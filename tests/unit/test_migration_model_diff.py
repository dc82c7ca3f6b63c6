"""The element diff between two versions sees what the engine runs: scripts, conditions, timers."""

from __future__ import annotations

from parcours_engine.engine.model_diff import ElementChange, diff_models
from tests.unit.test_migration_call_activities import V1, version


def ids(changes: tuple[ElementChange, ...]) -> list[tuple[str, str]]:
    return [(c.process_id, c.element_id) for c in changes]


def test_the_same_model_has_no_difference():
    assert diff_models(V1, version()).empty


def test_a_changed_script_condition_timer_and_name_are_each_reported():
    v2 = version(
        main=lambda text: (
            text.replace("ratio = 10 / diviseur", "ratio = 20 / diviseur")
            .replace("besoin_formation == True", "besoin_formation")
            .replace(">P7D<", ">P14D<")
            .replace('name="Diagnostic"', 'name="Diagnostic global"')
        )
    )
    diff = diff_models(V1, v2)
    assert (diff.added, diff.removed) == ((), ())
    changed = {c.element_id: c for c in diff.changed}
    assert sorted(changed) == ["Gateway_besoin", "Script_calcul", "Task_diagnostic", "Timer_attente"]
    assert changed["Script_calcul"].attributes == ("script",)
    assert changed["Task_diagnostic"] == ElementChange(
        "Task_diagnostic", "Diagnostic global", "reference", ("bpmn_name",)
    )
    assert changed["Gateway_besoin"].attributes == ("cond_task_specs",)
    assert changed["Timer_attente"].attributes == ("event_definition",)


def test_a_moved_lane_and_a_changed_limit_are_reported():
    """The host's settings live on the element (its lane, its properties): the diff sees them too."""
    accueil = "<bpmn:flowNodeRef>Task_accueil</bpmn:flowNodeRef>"
    v2 = version(
        main=lambda text: (
            text.replace(accueil + "</bpmn:lane>", "</bpmn:lane>")
            .replace(
                '<bpmn:lane id="Lane_referent" name="Référent">',
                '<bpmn:lane id="Lane_referent" name="Référent">' + accueil,
            )
            .replace('name="maxWaitDays" value="90"', 'name="maxWaitDays" value="60"')
        )
    )
    changed = {c.element_id: c.attributes for c in diff_models(V1, v2).changed}
    assert changed == {"Call_formation": ("extensions",), "Task_accueil": ("lane",)}


def test_a_removed_task_is_named_and_its_neighbours_are_rewired():
    def without_bilan(text: str) -> str:
        gone = ('id="Task_bilan"', 'id="Flow_8"', 'bpmnElement="Task_bilan"', 'bpmnElement="Flow_8"')
        kept = "\n".join(line for line in text.splitlines() if not any(mark in line for mark in gone))
        return (
            kept.replace("<bpmn:flowNodeRef>Task_bilan</bpmn:flowNodeRef>", "")
            .replace('targetRef="Task_bilan"', 'targetRef="Timer_attente"')
            .replace("<bpmn:incoming>Flow_8</bpmn:incoming>", "<bpmn:incoming>Flow_7</bpmn:incoming>")
        )

    diff = diff_models(V1, version(main=without_bilan))
    assert diff.removed == (ElementChange("Task_bilan", "Bilan", "reference"),)
    assert diff.added == ()
    changed = {c.element_id: c.attributes for c in diff.changed}
    assert sorted(changed) == ["Gateway_merge", "Timer_attente"]
    assert "outputs" in changed["Gateway_merge"] and changed["Timer_attente"] == ("inputs",)


def test_changes_inside_a_block_name_the_block():
    v2 = version(block=lambda text: text.replace("Task_suivre_formation", "Task_suivi_stage"))
    diff = diff_models(V1, v2)
    assert ids(diff.added) == [("bloc_formation", "Task_suivi_stage")]
    assert ids(diff.removed) == [("bloc_formation", "Task_suivre_formation")]


def test_a_renamed_block_is_all_removed_and_added():
    v2 = version(
        block=lambda text: text.replace('id="bloc_formation"', 'id="bloc_stage"'),
        main=lambda text: text.replace('calledElement="bloc_formation"', 'calledElement="bloc_stage"'),
    )
    diff = diff_models(V1, v2)
    assert {c.process_id for c in diff.removed} == {"bloc_formation"}
    assert {c.process_id for c in diff.added} == {"bloc_stage"}
    assert ids(diff.changed) == [("reference", "Call_formation")]
