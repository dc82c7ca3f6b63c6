"""Scheduler jobs: missed deadlines, retried firings, reminders, and one scheduler at a time."""

from __future__ import annotations

import json
import sqlite3
from datetime import timedelta

import pytest
from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import func, select

from parcours_engine.engine.runtime import EngineFailure, Runtime
from parcours_engine.pathways import incidents, reminders
from parcours_engine.persistence.models import Incident, Notification, Pathway, PathwayEvent
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.scheduler import jobs
from parcours_engine.supervision import supervision
from tests.integration.test_scheduler_jobs import _to_timer
from tests.support import supervision as sv
from tests.support.library import publish_fixture, start


def _timer_events(sessions, pathway_id):
    with sessions() as session:
        query = select(func.count(PathwayEvent.id)).where(
            PathwayEvent.pathway_id == pathway_id, PathwayEvent.kind == "timer_fired"
        )
        return session.scalar(query)


def test_a_deadline_missed_during_downtime_fires_once(sessions, clock):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    _to_timer(sessions, clock, pathway_id)
    clock.advance(days=40)  # the scheduler was down for weeks
    assert jobs.fire_due_timers(sessions, clock) == (1, 0)
    assert jobs.fire_due_timers(sessions, clock) == (0, 0)
    assert _timer_events(sessions, pathway_id) == 1
    with sessions() as session:
        row = session.get(Pathway, pathway_id)
        assert (row.current_elements, row.next_timer_due) == ("Task_sortie", None)


@pytest.fixture
def failing_timers(monkeypatch):
    def fail(self, workflow, clock):
        raise EngineFailure("division by zero", "Timer_attente")

    monkeypatch.setattr(Runtime, "fire_timers", fail)
    return monkeypatch


def _state(sessions, pathway_id):
    with sessions() as session:
        open_ = session.scalars(select(Incident).where(Incident.resolved_at.is_(None))).all()
        due = session.get(Pathway, pathway_id).next_timer_due
        return [(i.operation, i.element_id, i.attempts) for i in open_], due


def test_a_failing_firing_is_retried_with_backoff_then_left_as_a_visible_incident(
    sessions, clock, failing_timers
):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    _to_timer(sessions, clock, pathway_id)
    clock.advance(days=8)
    for attempt, delay in enumerate((5, 15, 60), start=1):
        assert jobs.fire_due_timers(sessions, clock) == (0, 1)
        assert _state(sessions, pathway_id) == (
            [("fire_timers", "Timer_attente", attempt)],
            clock.now() + timedelta(minutes=delay),
        )
        clock.advance(minutes=delay)
        assert jobs.fire_due_timers(sessions, clock) == (0, 0)  # not before its time has passed
        clock.advance(minutes=1)  # the next run of the job
    assert jobs.fire_due_timers(sessions, clock) == (0, 1)
    assert _state(sessions, pathway_id) == ([("fire_timers", "Timer_attente", 4)], None)  # given up
    clock.advance(days=1)
    assert jobs.fire_due_timers(sessions, clock) == (0, 0)

    failing_timers.undo()  # the model was fixed: a person retries the incident
    with unit_of_work(sessions) as session:
        incident_id = session.scalar(select(Incident.id))
        incidents.retry(session, clock, incident_id, "coordination")
    with sessions() as session:
        assert session.get(Pathway, pathway_id).current_elements == "Task_sortie"
    assert _state(sessions, pathway_id) == ([], None)


def test_a_firing_that_succeeds_on_retry_resolves_its_incident(sessions, clock, failing_timers):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    _to_timer(sessions, clock, pathway_id)
    clock.advance(days=8)
    assert jobs.fire_due_timers(sessions, clock) == (0, 1)
    failing_timers.undo()  # a passing failure (the database was briefly unavailable, say)
    clock.advance(minutes=6)
    assert jobs.fire_due_timers(sessions, clock) == (1, 0)
    with sessions() as session:
        incident = session.scalar(select(Incident))
        assert (incident.resolved_by, incident.attempts) == ("scheduler", 1)
    assert _timer_events(sessions, pathway_id) == 1


def test_a_task_due_soon_is_reminded_once_to_its_assignee(sessions, clock):
    sv.publish(sessions, clock)
    referent = sv.account(sessions, clock, "conseillere")
    pathway_id = sv.start(sessions, clock, referent)  # accueil (referent lane) is due in 2 days
    sv.start(sessions, clock)  # nobody assigned: nobody to remind
    assert jobs.send_reminders(sessions, clock) == 1
    assert jobs.send_reminders(sessions, clock) == 0
    with sessions() as session:
        note = session.scalar(select(Notification).where(Notification.kind == reminders.DUE_SOON_KIND))
    assert (note.account_id, note.pathway_id) == (referent, pathway_id)
    assert json.loads(note.detail_json)["element"] == "Task_sm_accueil"


@pytest.fixture(autouse=True)
def _fresh_sweep_memory():
    jobs._sweeps.clear()  # the PostgreSQL tests share one database URL


def test_sweep_job_checks_everything_first_then_only_deadlines_passed_since(sessions, clock, monkeypatch):
    sv.publish(sessions, clock)
    referent = sv.account(sessions, clock, "conseillere")
    sv.start(sessions, clock, referent)  # accueil due in 2 days
    clock.advance(days=1, hours=12)
    later = sv.start(sessions, clock, referent)
    calls = []
    original = supervision.sweep
    monkeypatch.setattr(
        supervision, "sweep", lambda s, now, prev=None: calls.append(prev) or original(s, now, prev)
    )
    clock.advance(days=1, hours=12)
    assert jobs.sweep_stalled(sessions, clock).flagged == 1  # first run: a full sweep
    first = clock.now()
    clock.advance(hours=12, minutes=5)
    assert jobs.sweep_stalled(sessions, clock).flagged == 1  # its deadline passed since the last run
    assert sv.pathway(sessions, later).stall_reason == "task_overdue"
    clock.advance(days=1)
    jobs.sweep_stalled(sessions, clock)
    assert calls == [None, first, None]  # full, since the last run, full again a day later
    assert jobs.end_expired_transfers(sessions, clock) == 0


def test_only_one_scheduler_sweeps_at_a_time_on_postgresql(sessions, engine):
    postgres = engine.dialect.name == "postgresql"
    with unit_of_work(sessions) as first:
        assert jobs._exclusive(first, jobs.SWEEP_LOCK) is True
        if postgres:  # the second scheduler skips the run
            with unit_of_work(sessions) as second:
                assert jobs._exclusive(second, jobs.SWEEP_LOCK) is False
        else:  # SQLite serializes writers itself: a second writer cannot even begin meanwhile
            other = sqlite3.connect(engine.url.database, timeout=0, isolation_level=None)
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
            other.close()
    with unit_of_work(sessions) as again:
        assert jobs._exclusive(again, jobs.SWEEP_LOCK) is True  # released at the end of the first


def test_one_serve_process_leads_and_another_takes_over_when_it_stops(engine):
    leader, follower = jobs.Leadership(engine), jobs.Leadership(engine)
    postgres = engine.dialect.name == "postgresql"
    try:
        assert leader.held() is True
        assert follower.held() is (not postgres)
        assert leader.held() is True  # still the leader at the next run
        leader.release()  # the leading process stopped
        assert follower.held() is True
    finally:
        leader.release()
        follower.release()


def test_no_scheduler_in_the_reloader_watcher(sessions, clock, monkeypatch):
    monkeypatch.setenv("FLASK_RUN_FROM_CLI", "true")
    monkeypatch.delenv("WERKZEUG_RUN_MAIN", raising=False)
    assert jobs.start_scheduler(sessions, clock) is None
    monkeypatch.setenv("WERKZEUG_RUN_MAIN", "true")  # the reloader's serving child runs it
    running = jobs.start_scheduler(sessions, clock)
    try:
        assert sorted(job.id for job in running.get_jobs()) == [
            "apply_retention",
            "end_expired_transfers",
            "fire_due_timers",
            "send_appointment_messages",
            "send_reminders",
            "sweep_stalled",
        ]
    finally:
        running.shutdown(wait=False)


def test_a_starting_scheduler_sweeps_at_once(sessions, clock):
    """A new installation (its demo) or a scheduler back from downtime shows its stalled pathways as
    it starts, not five minutes later (make run showed an empty stalled list for the first 5 min)."""
    import time

    sv.publish(sessions, clock)
    pathway_id = sv.start(sessions, clock)
    sv.accueil(sessions, clock, pathway_id)
    clock.advance(days=31)  # past the programme's idle threshold
    # As `parcours-engine scheduler` configures it (no leader election: on PostgreSQL an earlier
    # test's in-process leader may still hold the lock until its connection is collected).
    running = jobs._configure(BackgroundScheduler(timezone="UTC"), sessions, clock)
    running.start()
    try:
        deadline = time.monotonic() + 20
        while sv.pathway(sessions, pathway_id).stalled_since is None and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        running.shutdown(wait=True)
    assert sv.pathway(sessions, pathway_id).stalled_since is not None
