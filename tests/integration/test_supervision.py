"""Idle and stalled pathways: detected by the sweep, flagged once, cleared when the wait ends."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update

from parcours_engine.domain import supervision as rules
from parcours_engine.persistence.models import IdlePeriod, Pathway, ProcessElement, ProcessVersion
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.supervision import supervision
from tests.support import supervision as sv


def _setup(sessions, clock):
    sv.publish(sessions, clock)
    referent = sv.account(sessions, clock, "conseillere")
    boss = sv.account(sessions, clock, "superviseur", role="supervisor")
    return referent, boss


def _after_a_measure(sessions, clock, referent):
    pathway_id = sv.start(sessions, clock, referent)
    sv.accueil(sessions, clock, pathway_id)
    sv.plan(sessions, clock, pathway_id, "mesure")
    assert sv.pathway(sessions, pathway_id).idle_since is None  # a measure runs
    clock.advance(days=10)
    sv.end_measure(sessions, clock, pathway_id)
    return pathway_id


def test_publishing_stores_each_elements_limits(sessions, clock):
    sv.publish(sessions, clock)
    with sessions() as session:
        version = session.scalar(select(ProcessVersion).where(ProcessVersion.programme == sv.PROGRAMME))
        rows = {
            row.element_id: row
            for row in session.scalars(
                select(ProcessElement).where(ProcessElement.process_version_id == version.id)
            )
        }
    assert rows["Call_sm_mesure"].measure is True
    assert rows["Call_sm_mesure"].max_wait_days == 60
    assert rows["Task_suivre_mesure"].kind == "userTask"  # the blocks' elements too
    assert rows["Task_sm_accueil"].max_wait_days is None


def test_idle_pathway_stalls_after_threshold_flagged_once_and_clears_when_a_measure_starts(sessions, clock):
    referent, boss = _setup(sessions, clock)
    pathway_id = _after_a_measure(sessions, clock, referent)
    idle_since = clock.now()
    assert sv.pathway(sessions, pathway_id).idle_since == idle_since

    clock.advance(days=29, hours=23)
    assert sv.sweep(sessions, clock).flagged == 0
    clock.advance(hours=2)
    assert sv.sweep(sessions, clock).flagged == 1
    stalled = sv.pathway(sessions, pathway_id)
    assert (stalled.stall_reason, stalled.stall_element_id) == (rules.IDLE_TOO_LONG, None)
    assert stalled.stalled_since == idle_since + timedelta(days=30)
    assert sv.notifications(sessions, referent, supervision.STALLED_KIND) == 1
    assert sv.notifications(sessions, boss, supervision.DIGEST_KIND) == 1

    clock.advance(days=3)
    assert sv.sweep(sessions, clock) == supervision.SweepResult(flagged=0, cleared=0, reason_changed=0)
    assert sv.notifications(sessions, referent, supervision.STALLED_KIND) == 1  # flagged once
    assert sv.notifications(sessions, boss, supervision.DIGEST_KIND) == 1

    sv.plan(sessions, clock, pathway_id, "mesure")  # a measure starts: the stall ends at once
    resumed = sv.pathway(sessions, pathway_id)
    assert resumed.stalled_since is None and resumed.stall_reason is None and resumed.idle_since is None
    assert sv.sweep(sessions, clock).flagged == 0
    with sessions() as session:
        period = session.scalar(select(IdlePeriod).where(IdlePeriod.pathway_id == pathway_id))
    assert (period.started_at, period.ended_at) == (idle_since, clock.now())
    assert period.seconds == int((clock.now() - idle_since).total_seconds())

    clock.advance(days=5)
    sv.end_measure(sessions, clock, pathway_id)
    clock.advance(days=31)
    assert sv.sweep(sessions, clock).flagged == 1  # stalled again later: flagged again
    assert sv.notifications(sessions, referent, supervision.STALLED_KIND) == 2


def test_a_planned_measure_is_not_idle_until_its_day_has_passed(sessions, clock):
    referent, _boss = _setup(sessions, clock)
    pathway_id = _after_a_measure(sessions, clock, referent)
    clock.advance(days=3)
    planned = (clock.now() + timedelta(days=40)).date()
    sv.plan(sessions, clock, pathway_id, "attente", date_prochaine_mesure=planned.isoformat())
    row = sv.pathway(sessions, pathway_id)
    assert row.measure_planned_until is not None
    assert row.measure_planned_until.date() in (planned, planned + timedelta(days=1))  # Paris midnight
    with sessions() as session:
        periods = session.scalars(select(IdlePeriod.seconds).where(IdlePeriod.pathway_id == pathway_id))
        assert list(periods) == [3 * 86400]  # planning ended the idle wait

    clock.advance(days=60)  # past the idle threshold counted from the end of the measure, but planned
    assert sv.sweep(sessions, clock).flagged == 0
    clock.set(row.measure_planned_until + timedelta(days=30, minutes=1))
    assert sv.sweep(sessions, clock).flagged == 1
    assert sv.pathway(sessions, pathway_id).stall_reason == rules.IDLE_TOO_LONG


def test_a_measure_past_its_max_wait_stalls_at_that_element(sessions, clock):
    referent, _boss = _setup(sessions, clock)
    pathway_id = sv.start(sessions, clock, referent)
    sv.accueil(sessions, clock, pathway_id)
    sv.plan(sessions, clock, pathway_id, "mesure")
    started = clock.now()
    clock.advance(days=61)
    assert sv.sweep(sessions, clock).flagged == 1
    row = sv.pathway(sessions, pathway_id)
    assert (row.stall_reason, row.stall_element_id) == (rules.ELEMENT_WAIT_TOO_LONG, "Call_sm_mesure")
    assert row.stalled_since == started + timedelta(days=60)
    sv.end_measure(sessions, clock, pathway_id)
    assert sv.pathway(sessions, pathway_id).stalled_since is None


def test_an_overdue_task_stalls_and_a_more_specific_reason_replaces_it_without_a_new_flag(sessions, clock):
    referent, _boss = _setup(sessions, clock)
    pathway_id = sv.start(sessions, clock, referent)  # accueil is due in 2 days
    clock.advance(days=2, minutes=1)
    assert sv.sweep(sessions, clock).flagged == 1
    row = sv.pathway(sessions, pathway_id)
    assert (row.stall_reason, row.stall_element_id) == (rules.TASK_OVERDUE, "Task_sm_accueil")
    clock.advance(days=30)  # now idle past the threshold too: the overdue task stays the reason
    assert sv.sweep(sessions, clock).reason_changed == 0
    sv.accueil(sessions, clock, pathway_id)  # the task is done; idle still holds: still stalled
    row = sv.pathway(sessions, pathway_id)
    assert (row.stall_reason, row.stalled_since is not None) == (rules.IDLE_TOO_LONG, True)
    assert sv.notifications(sessions, referent, supervision.STALLED_KIND) == 1


def test_stalled_list_sorts_filters_and_counts_per_referent(sessions, clock):
    referent, _boss = _setup(sessions, clock)
    other = sv.account(sessions, clock, "autre")
    first = sv.start(sessions, clock, referent, identifier="PE-A")
    clock.advance(days=1)
    second = sv.start(sessions, clock, other, identifier="PE-B")
    clock.advance(days=1)
    sv.start(sessions, clock, other, identifier="PE-C")  # due later: not stalled yet
    clock.advance(days=1, hours=12)
    assert sv.sweep(sessions, clock).flagged == 2
    with sessions() as session:
        rows = supervision.stalled_list(session)
        assert [r.pathway_id for r in rows] == [first, second]
        assert rows[0].element_name == "Accueil" and rows[0].referent_name == "Conseillere"
        assert rows[0].beneficiary_identifier == "PE-A"
        assert rows[0].days_stalled(clock.now()) == 1
        newest_first = supervision.stalled_list(session, sort="stalled_since", descending=True)
        assert [r.pathway_id for r in newest_first] == [second, first]
        mine = supervision.StalledFilter(referent_id=other)
        assert [r.pathway_id for r in supervision.stalled_list(session, mine)] == [second]
        by_reason = supervision.StalledFilter(reason=rules.IDLE_TOO_LONG)
        assert supervision.stalled_list(session, by_reason) == []
        assert supervision.stalled_count(session) == 2
        assert supervision.stalled_count_for_referent(session, referent) == 1


def test_an_ended_pathway_is_no_longer_stalled(sessions, clock):
    referent, _boss = _setup(sessions, clock)
    pathway_id = _after_a_measure(sessions, clock, referent)
    clock.advance(days=31)
    assert sv.sweep(sessions, clock).flagged == 1
    sv.exit_with(sessions, clock, pathway_id, "cdi")
    row = sv.pathway(sessions, pathway_id)
    assert (row.status, row.outcome, row.stalled_since) == ("completed", "cdi", None)
    with sessions() as session:
        assert supervision.stalled_count(session) == 0


def test_a_full_sweep_clears_a_flag_whose_condition_no_longer_holds(sessions, clock):
    """The safety net: a stall left flagged (here, its idle deadline moved by hand) is cleared by a
    full sweep, and a pathway still stalled keeps its flag."""
    referent, _boss = _setup(sessions, clock)
    moved = _after_a_measure(sessions, clock, referent)
    kept = _after_a_measure(sessions, clock, referent)
    clock.advance(days=31)
    assert sv.sweep(sessions, clock).flagged == 2
    with unit_of_work(sessions) as session:
        session.execute(
            update(Pathway).where(Pathway.id == moved).values(idle_stall_at=clock.now() + timedelta(days=5))
        )
    with unit_of_work(sessions) as session:
        assert supervision.sweep(session, clock.now(), clock.now() - timedelta(minutes=5)).cleared == 0
    assert sv.sweep(sessions, clock).cleared == 1  # a full sweep (no previous run)
    assert sv.pathway(sessions, moved).stalled_since is None
    assert sv.pathway(sessions, kept).stalled_since is not None
