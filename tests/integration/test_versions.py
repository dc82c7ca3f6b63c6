"""Versions: a diff between two, and migrating running pathways (including refusals)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from parcours_engine.domain.errors import Forbidden
from parcours_engine.engine.loader import read_library_dir
from parcours_engine.persistence.models import Account, Pathway, PathwayEvent, ProcessVersion
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.studio import pathway_migration, versions
from parcours_engine.studio.publishing import publish_library
from parcours_engine.supervision import indicators
from tests.support.library import FIXTURE_LIBRARY, complete_open, publish_fixture, snapshot, start

ACCUEIL = {"date_accueil": "2026-01-06", "orientation": "interne"}


def publish_version_two(sessions, clock, remove_bilan: bool = True) -> int:
    """Version 2 of `reference`: no Bilan task any more (straight to the timer), diagnostic renamed."""
    bpmn, forms = read_library_dir(FIXTURE_LIBRARY / "processes", FIXTURE_LIBRARY / "forms")
    lines = bpmn["reference.bpmn"].decode().splitlines()
    gone = ('id="Task_bilan"', 'id="Flow_8"', 'bpmnElement="Task_bilan"', 'bpmnElement="Flow_8"')
    if not remove_bilan:
        gone = ()
    text = "\n".join(line for line in lines if not any(mark in line for mark in gone))
    if remove_bilan:
        text = (
            text.replace("<bpmn:flowNodeRef>Task_bilan</bpmn:flowNodeRef>", "")
            .replace('targetRef="Task_bilan"', 'targetRef="Timer_attente"')
            .replace("<bpmn:incoming>Flow_8</bpmn:incoming>", "<bpmn:incoming>Flow_7</bpmn:incoming>")
        )
    text = text.replace('name="Diagnostic"', 'name="Diagnostic global"')
    bpmn["reference.bpmn"] = text.encode()
    with unit_of_work(sessions) as session:
        publish_library(session, clock, bpmn, forms, "coordination")
        return session.scalar(select(ProcessVersion.id).where(ProcessVersion.version == 2))


def account(sessions, clock, role: str) -> Account:
    with unit_of_work(sessions) as session:
        person = Account(username=role, display_name=role, role=role, active=True, created_at=clock.now())
        session.add(person)
        session.flush()
        return person


def to_bilan(sessions, clock, pathway_id):
    complete_open(sessions, clock, pathway_id, ACCUEIL)
    complete_open(sessions, clock, pathway_id, {"besoin_formation": False, "diviseur": 1})
    complete_open(sessions, clock, pathway_id, {"date_entretien": "2026-01-06"})


def test_diff_names_added_removed_and_changed_elements(sessions, clock):
    publish_fixture(sessions, clock)
    v2 = publish_version_two(sessions, clock)
    with sessions() as session:
        v1 = session.scalar(select(ProcessVersion.id).where(ProcessVersion.version == 1))
        diff = versions.diff(session, v1, v2)
    ids = {
        kind: [c.element_id for c in getattr(diff.elements, kind)] for kind in ("added", "removed", "changed")
    }
    # Renamed, and re-wired around the removed task (their flows changed):
    assert (ids["added"], ids["removed"]) == ([], ["Task_bilan"])
    assert ids["changed"] == ["Gateway_merge", "Task_diagnostic", "Timer_attente"]
    assert (diff.forms_added, diff.forms_removed, diff.forms_changed) == ((), (), ())


def test_new_pathways_start_on_v2_old_ones_stay_until_migrated(sessions, clock):
    publish_fixture(sessions, clock)
    early = start(sessions, clock)
    stuck = start(sessions, clock)
    to_bilan(sessions, clock, stuck)
    v2 = publish_version_two(sessions, clock)
    late = start(sessions, clock)
    coordinator = account(sessions, clock, "coordinator")
    before_stuck = snapshot(sessions, stuck)

    with sessions() as session:
        preview = {p.pathway_id: p for p in pathway_migration.preview_migration(session, [early, stuck], v2)}
    assert preview[early].possible and preview[early].mapping == {"Task_accueil": "Task_accueil"}
    assert preview[stuck].refused == ("Task_bilan",)

    with unit_of_work(sessions) as session:
        pathway_migration.migrate_pathways(session, clock, session.merge(coordinator), [early, stuck], v2)

    with sessions() as session:
        on = {p.id: p.process_version.version for p in session.scalars(select(Pathway))}
        assert on == {early: 2, stuck: 1, late: 2}
        event = session.scalar(select(PathwayEvent).where(PathwayEvent.kind == "migrated"))
        assert (event.pathway_id, json.loads(event.detail_json)) == (
            early,
            {"from_version": 1, "to_version": 2},
        )
    assert snapshot(sessions, stuck) == before_stuck  # refused: exactly as it was

    # The migrated pathway runs on v2: after its steps it goes straight to the timer (no Bilan).
    to_bilan(sessions, clock, early)
    with sessions() as session:
        assert session.get(Pathway, early).current_elements == "Timer_attente"


def test_only_coordinators_and_admins_migrate(sessions, clock):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    v2 = publish_version_two(sessions, clock)
    counsellor = account(sessions, clock, "counsellor")
    with pytest.raises(Forbidden), unit_of_work(sessions) as session:
        pathway_migration.migrate_pathways(session, clock, session.merge(counsellor), [pathway_id], v2)
    with sessions() as session:
        assert session.get(Pathway, pathway_id).process_version.version == 1


def test_a_pathway_that_passed_a_removed_step_is_refused(sessions, clock):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    to_bilan(sessions, clock, pathway_id)
    complete_open(sessions, clock, pathway_id, {"date_entretien": "2026-01-06"})  # Bilan done
    v2 = publish_version_two(sessions, clock)
    before = snapshot(sessions, pathway_id)
    admin = account(sessions, clock, "admin")  # its own unit of work, before the migration's
    with unit_of_work(sessions) as session:
        (result,) = pathway_migration.migrate_pathways(session, clock, session.merge(admin), [pathway_id], v2)
    assert result.refused == ("Task_bilan",)
    assert snapshot(sessions, pathway_id) == before


def test_migration_keeps_a_waiting_timer(sessions, clock):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    to_bilan(sessions, clock, pathway_id)
    complete_open(sessions, clock, pathway_id, {"date_entretien": "2026-01-06"})  # now at the 7-day timer
    v2 = publish_version_two(sessions, clock, remove_bilan=False)
    admin = account(sessions, clock, "admin")  # its own unit of work, before the migration's
    with unit_of_work(sessions) as session:
        (result,) = pathway_migration.migrate_pathways(session, clock, session.merge(admin), [pathway_id], v2)
    assert result.possible
    with sessions() as session:
        pathway = session.get(Pathway, pathway_id)
        assert (pathway.current_elements, pathway.process_version.version) == ("Timer_attente", 2)
        assert pathway.next_timer_due == datetime(2026, 1, 12, 9, 0, tzinfo=UTC)


def test_a_migration_racing_a_task_completion_is_a_conflict(sessions, clock):
    from parcours_engine.domain.errors import ConflictError

    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    v2 = publish_version_two(sessions, clock)
    admin = account(sessions, clock, "admin")
    late = sessions()
    late.get(Pathway, pathway_id)  # the migrating session read the pathway before the completion
    complete_open(sessions, clock, pathway_id, ACCUEIL)
    try:
        pathway_migration.migrate_pathways(late, clock, late.merge(admin), [pathway_id], v2)
        late.commit()
        expected_version = 2  # PostgreSQL: the locked re-read sees the completion, then migrates
    except ConflictError:
        late.rollback()
        expected_version = 1  # SQLite: the stale snapshot cannot write; a clear conflict, no 500
    late.close()
    with sessions() as session:
        pathway = session.get(Pathway, pathway_id)
        # Never a lost update: the completion is there whichever way the race went.
        assert (pathway.process_version.version, pathway.current_elements) == (
            expected_version,
            "Task_diagnostic",
        )


def test_the_overlay_counts_the_pathways_of_every_version(sessions, clock):
    """The diagram shows the newest version; who waits at an element is counted on every version."""
    publish_fixture(sessions, clock)
    on_v1 = start(sessions, clock)
    stuck = start(sessions, clock)
    to_bilan(sessions, clock, stuck)  # waits at Task_bilan, which v2 removes
    publish_version_two(sessions, clock)
    clock.advance(days=2)
    on_v2 = start(sessions, clock)
    with sessions() as session:
        waits = indicators.element_waits(session, "reference", clock.now())
        versions_of = {p.id: p.process_version.version for p in session.scalars(select(Pathway))}
        names = versions.element_names(session, "reference")
    assert versions_of == {on_v1: 1, stuck: 1, on_v2: 2}
    assert waits["Task_accueil"].waiting == 2  # one on v1, one on v2
    assert waits["Task_bilan"].waiting == 1  # still counted: the page lists it under the diagram
    assert names["Task_diagnostic"] == "Diagnostic global"  # the newest name
