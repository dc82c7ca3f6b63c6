"""Retention (issue 14): files past their period are anonymised, the access log past its own purged,
and the funders' indicators of past years read the same after as before (the seed-003 cohort)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from parcours_engine.domain.clock import FrozenClock
from parcours_engine.domain.retention import RetentionRules, rules_from
from parcours_engine.engine.loader import read_library_dir
from parcours_engine.persistence.models import AccessLog, Beneficiary, Erasure, Pathway, PathwayState
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.scheduler import jobs
from parcours_engine.studio.publishing import publish_library
from parcours_engine.supervision import indicators
from tests.integration.test_indicators_seed import PROGRAMME, REPO, _build, _cohort, _noise
from tests.support import supervision as sv


def _figures(sessions, year):
    with sessions() as session:
        return repr(indicators.indicators(session, PROGRAMME, indicators.Period.year(year)))


def test_the_retention_job_anonymises_past_files_and_keeps_past_years_figures(sessions):
    clock = FrozenClock(datetime(2009, 1, 5, 9, tzinfo=UTC))
    bpmn, forms = read_library_dir(REPO / "processes", REPO / "forms")
    with unit_of_work(sessions) as session:
        publish_library(session, clock, bpmn, forms, "test")
    referents = [sv.account(sessions, clock, "r1"), sv.account(sessions, clock, "r2")]
    people = _cohort() + _noise()
    ids = _build(sessions, clock, referents, people)
    with unit_of_work(sessions) as session:
        session.add(AccessLog(at=clock.now(), account_id=referents[0], action="list", route="/t", shown=1))
    exited = sum(p["outcome"] is not None for p in people)
    before = {year: _figures(sessions, year) for year in (2009, 2010)}

    clock.set(datetime(2013, 6, 1, tzinfo=UTC))  # 2 years after the last exit of 2011 at the latest
    dry = jobs.apply_retention(sessions, clock, dry_run=True)
    assert dry is not None and len(dry.people) == exited and dry.access_log_rows >= 1
    with sessions() as session:
        assert session.scalar(select(func.count(Erasure.id))) == 0
    report = jobs.apply_retention(sessions, clock)
    assert report is not None and len(report.people) == exited

    assert {year: _figures(sessions, year) for year in (2009, 2010)} == before
    with sessions() as session:
        anonymised = session.scalars(select(Beneficiary).where(Beneficiary.last_name == "ANONYME")).all()
        assert len(anonymised) == exited
        assert all(
            p.identifier.startswith("ANON-") and p.birth_date.timetuple().tm_yday == 1 for p in anonymised
        )
        kept = set(session.scalars(select(PathwayState.pathway_id)))
        active = set(session.scalars(select(Pathway.id).where(Pathway.status == "active")))
        assert kept == active and len(active) == len(people) - exited
        assert set(ids.values()) >= kept
        assert (
            session.scalar(
                select(func.count(AccessLog.id)).where(AccessLog.at < clock.now() - timedelta(days=365))
            )
            == 0
        )
        assert {e.basis for e in session.scalars(select(Erasure))} == {"retention"}
    again = jobs.apply_retention(sessions, clock)
    assert again is not None and again.people == [] and again.access_log_rows == 0


def test_the_rules_are_per_programme_and_configurable():
    rules = rules_from({"PARCOURS_RETENTION_YEARS": "3", "PARCOURS_RETENTION_YEARS_PPAE": "5"})
    assert (rules.years_for("civis"), rules.years_for("ppae"), rules.access_log_months) == (3, 5, 12)
    default = rules_from({})
    assert default == RetentionRules()
    ended = datetime(2020, 3, 1, tzinfo=UTC)
    assert (
        datetime(2022, 2, 27, tzinfo=UTC)
        < default.file_kept_until("x", ended)
        < datetime(2022, 3, 3, tzinfo=UTC)
    )
