"""The agenda's time rules (domain.appointments): Paris wall-clock times stored in UTC across the
changes of time, a week of seven Paris days, the free slots between appointments, reminder days."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from parcours_engine.domain import appointments as rules


def test_paris_times_are_stored_in_utc_in_winter_and_in_summer() -> None:
    assert rules.paris_to_utc(date(2026, 1, 7), time(14, 0)) == datetime(2026, 1, 7, 13, 0, tzinfo=UTC)
    assert rules.paris_to_utc(date(2026, 7, 1), time(14, 0)) == datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


def test_the_day_of_the_spring_change_lasts_23_hours_and_its_week_seven_days() -> None:
    start, end = rules.day_bounds(date(2026, 3, 29))
    assert end - start == timedelta(hours=23)
    assert rules.week_of(date(2026, 3, 29)) == date(2026, 3, 23)
    monday, _ = rules.day_bounds(date(2026, 3, 23))
    _, after_sunday = rules.day_bounds(date(2026, 3, 29))
    assert after_sunday - monday == timedelta(days=7, hours=-1)


def test_free_slots_are_the_gaps_of_half_an_hour_or_more_within_office_hours() -> None:
    day = date(2026, 1, 7)
    at = lambda h, m=0: rules.paris_to_utc(day, time(h, m))  # noqa: E731
    busy = [(at(9, 0), at(9, 45)), (at(10, 0), at(11, 0)), (at(14, 0), at(15, 0)), (at(16, 40), at(18, 0))]
    assert rules.free_slots(day, busy) == [(at(11), at(14)), (at(15), at(16, 40))]
    assert rules.free_slots(day, []) == [(at(9), at(17))]
    assert rules.free_slots(day, busy, not_before=at(15, 7)) == [(at(15, 15), at(16, 40))]
    assert rules.free_slots(day, [], not_before=at(16, 50)) == []


def test_overlaps_and_collective_workshops() -> None:
    a = datetime(2026, 1, 7, 13, tzinfo=UTC)
    hour = timedelta(hours=1)
    assert rules.overlaps(a, a + hour, a + hour / 2, a + 2 * hour)
    assert not rules.overlaps(a, a + hour, a + hour, a + 2 * hour)
    assert rules.same_workshop("atelier_collectif", a, a + hour, ("atelier_collectif", a, a + hour))
    assert not rules.same_workshop("suivi", a, a + hour, ("suivi", a, a + hour))


def test_reminder_days_are_read_from_the_setting_and_bounded() -> None:
    assert rules.reminder_days(None) == (3, 1)
    assert rules.reminder_days("7, 1") == (7, 1)
    assert rules.reminder_days("0,99,x") == (3, 1)
    assert rules.message_kind(None) == "convocation" and rules.message_kind(3) == "rappel_j3"
