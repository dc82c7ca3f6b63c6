"""Indicators beyond the seed: idle time between measures, the diagram overlay, objectives, the CLI."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import BigInteger, String, insert, literal, select, union_all

from parcours_engine.cli import main
from parcours_engine.domain.errors import FieldError, InvalidInput
from parcours_engine.persistence.models import (
    Beneficiary,
    IdlePeriod,
    Objective,
    Pathway,
    ProcessVersion,
    Structure,
)
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.supervision import indicators
from tests.support import supervision as sv
from tests.support.rows import version_row


def test_idle_time_between_measures_median_and_90th_percentile(sessions, clock):
    sv.publish(sessions, clock)
    idle_days = [1, 2, 3, 4, 5, 6, 7, 8, 9, 30]  # nearest rank: median 5th value, p90 9th
    for days in idle_days:
        pathway_id = sv.start(sessions, clock)
        sv.accueil(sessions, clock, pathway_id)  # idle from its start: no measure yet
        clock.advance(days=days)
        sv.plan(sessions, clock, pathway_id, "mesure")
    with sessions() as session:
        year = indicators.Period.year(clock.now().year)
        spread = indicators.idle_spread(session, sv.PROGRAMME, year)
        assert session.scalar(select(IdlePeriod.seconds).order_by(IdlePeriod.id)) == 86400
    assert spread == indicators.Spread(count=10, median_days=5.0, p90_days=9.0)
    with sessions() as session:
        empty = indicators.idle_spread(session, "other", year)
    assert empty == indicators.Spread(count=0, median_days=None, p90_days=None)


def test_overlay_counts_who_waits_where_and_their_median_wait(sessions, clock):
    sv.publish(sessions, clock)
    for _ in range(3):
        sv.start(sessions, clock)
    clock.advance(days=4)
    in_measure = sv.start(sessions, clock)
    sv.accueil(sessions, clock, in_measure)
    sv.plan(sessions, clock, in_measure, "mesure")
    clock.advance(days=2)
    with sessions() as session:
        waits = indicators.element_waits(session, sv.PROGRAMME, clock.now())
    assert waits["Task_sm_accueil"] == indicators.ElementWait("Task_sm_accueil", 3, 6.0)
    assert waits["Call_sm_mesure"].waiting == 1 and waits["Call_sm_mesure"].median_days == 2.0
    assert waits["Task_suivre_mesure"].waiting == 1  # the user task inside the measure block


def test_objectives_are_set_per_programme_and_year(sessions, clock):
    with unit_of_work(sessions) as session:
        indicators.set_objective(session, clock, "civis", 2010, 375, "superviseur")
        indicators.set_objective(session, clock, "civis", 2010, 378, "superviseur")  # replaced
        indicators.set_objective(session, clock, "civis", 2011, 400, None)
    with sessions() as session:
        assert indicators.objective(session, "civis", 2010) == 378
        assert indicators.objective(session, "civis", 2012) is None
        assert len(session.scalars(select(Objective)).all()) == 2
    with pytest.raises(InvalidInput) as refused, unit_of_work(sessions) as session:
        indicators.set_objective(session, clock, "civis", 1850, -1, None)
    assert refused.value.field_errors == {
        "year": [FieldError("field.between", low=2000, high=2100)],
        "entries": [FieldError("field.minimum", limit=0)],
    }


def test_period_bounds_are_french_days():
    period = indicators.Period(date(2010, 1, 1), date(2010, 12, 31))
    assert period.since.isoformat() == "2009-12-31T23:00:00+00:00"
    assert period.until - period.since == timedelta(days=365)


def test_cli_sets_objectives_and_prints_indicators(database_url):
    runner = CliRunner()
    done = runner.invoke(main, ["--database-url", database_url, "objectives", "set", "civis", "2010", "375"])
    assert done.exit_code == 0, done.output
    assert "civis 2010: objective 375 entries" in done.output
    refused = runner.invoke(
        main, ["--database-url", database_url, "objectives", "set", "--", "civis", "2010", "-5"]
    )
    assert refused.exit_code == 1 and "entries" in refused.output
    shown = runner.invoke(main, ["--database-url", database_url, "indicators", "civis", "--year", "2010"])
    assert shown.exit_code == 0, shown.output
    body = json.loads(shown.output)
    assert (body["objective"], body["exits"], body["present"]["people"]) == (375, 0, 0)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    groups=st.dictionaries(
        st.sampled_from("abc"), st.lists(st.integers(-1000, 10**9), min_size=1, max_size=120), min_size=1
    ),
    pcts=st.lists(st.integers(1, 100), min_size=1, max_size=4).map(tuple),
)
def test_percentiles_are_nearest_rank_on_both_databases(sessions, groups, pcts):
    """PostgreSQL's percentile_disc and SQLite's window functions pick the same rank: ceil(p·n/100)."""

    def nearest_rank(values: list[int], pct: int) -> int:
        return sorted(values)[-(-pct * len(values) // 100) - 1]

    # A UNION ALL of literal rows (SQLite names no VALUES columns; at most 360 rows, under its 500).
    table = union_all(
        *(
            select(literal(grp, String).label("grp"), literal(value, BigInteger).label("value"))
            for grp, values in groups.items()
            for value in values
        )
    ).subquery("t")
    with sessions() as session:
        grouped = indicators.grouped_percentiles(session, select(table.c.grp, table.c.value), pcts)
        whole = indicators.percentiles(session, select(table.c.value), pcts)
    assert grouped == {
        grp: (len(values), *(nearest_rank(values, p) for p in pcts)) for grp, values in groups.items()
    }
    everything = [value for values in groups.values() for value in values]
    assert whole == (len(everything), *(nearest_rank(everything, p) for p in pcts))


def test_percentiles_where_the_fraction_times_n_is_not_exact_in_floating_point(sessions):
    """0.28 * 25 and 0.07 * 100 are a hair above 7 in double precision: PostgreSQL took row 8
    (hypothesis found it); the nearest rank is 7 on both databases."""
    for count, pct in ((25, 28), (100, 7), (300, 7)):
        table = union_all(
            *(select(literal(value, BigInteger).label("value")) for value in range(1, count + 1))
        ).subquery("t")
        with sessions() as session:
            assert indicators.percentiles(session, select(table.c.value), (pct,)) == (
                count,
                pct * count // 100,
            )


PERSON = st.tuples(
    st.sampled_from(["F", "M"]), st.sampled_from(["VI", "Vbis", "V", "IV", "III", None]), st.booleans()
)
PATHWAY = st.tuples(
    st.integers(0, 5),  # whose (people may have several pathways of the programme)
    st.integers(-400, 400),  # started, in days from the period's start
    st.one_of(st.none(), st.integers(0, 500)),  # ended, days after it started (None: still running)
    st.sampled_from([1, 2]),  # structure
    st.sampled_from(["civis", "csj"]),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(PERSON, min_size=6, max_size=6), rows=st.lists(PATHWAY, max_size=25))
def test_breakdowns_count_each_present_person_once_with_their_profile(sessions, clock, people, rows):
    """Whatever the overlaps, the breakdowns equal a count of people done by hand."""
    period = indicators.Period(date(2025, 1, 1), date(2025, 12, 31))
    since = period.since
    with sessions() as session:
        session.execute(
            insert(Structure),
            [{"id": n, "code": f"s{n}", "name": f"s{n}", "kind": "mission_locale"} for n in (1, 2)],
        )
        session.execute(insert(ProcessVersion), [version_row(clock)])
        session.execute(
            insert(Beneficiary),
            [
                {
                    "id": n + 1,
                    "identifier": f"P{n}",
                    "last_name": "X",
                    "first_name": "Y",
                    "sex": sex,
                    "birth_date": date(2000, 1, 1),
                    "qualification_level": level,
                    "priority_district": qpv,
                    "created_at": clock.now(),
                }
                for n, (sex, level, qpv) in enumerate(people)
            ],
        )
        pathways_rows = []
        for n, (who, start, length, structure, programme) in enumerate(rows, 1):
            started = since + timedelta(days=start)
            ended = None if length is None else started + timedelta(days=length)
            sex, level, qpv = people[who]
            pathways_rows.append(
                {
                    "id": n,
                    "programme": programme,
                    "process_version_id": 1,
                    "beneficiary_id": who + 1,
                    "structure_id": structure,
                    "entry_sex": sex,
                    "entry_qualification_level": level,
                    "entry_priority_district": qpv,
                    "status": "active" if ended is None else "completed",
                    "current_elements": "",
                    "started_at": started,
                    "ended_at": ended,
                    "updated_at": started,
                    "version": 1,
                }
            )
        if pathways_rows:
            session.execute(insert(Pathway), pathways_rows)
        for structure in (None, 1):
            got = indicators.breakdowns(session, "civis", period, structure)
            assert got == _by_hand(people, rows, period, structure)
        session.rollback()


def _by_hand(people, rows, period, structure):
    since, until = period.since, period.until
    present, entered = set(), set()
    for who, start, length, pathway_structure, programme in rows:
        started = since + timedelta(days=start)
        ended = None if length is None else started + timedelta(days=length)
        if programme != "civis" or (structure is not None and pathway_structure != structure):
            continue
        if started < until and (ended is None or ended >= since):
            present.add(who)
            if started >= since:
                entered.add(who)

    def breakdown(who_set):
        traits = [people[w] for w in who_set]
        return indicators.Breakdown(
            people=len(traits),
            women=sum(sex == "F" for sex, _l, _q in traits),
            men=sum(sex == "M" for sex, _l, _q in traits),
            below_baccalaureat=sum(level in ("VI", "Vbis", "V") for _s, level, _q in traits),
            priority_district=sum(qpv for _s, _l, qpv in traits),
            renforce=sum(level in ("VI", "Vbis") for _s, level, _q in traits),
        )

    return breakdown(present), breakdown(entered)
