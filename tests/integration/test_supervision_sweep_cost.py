"""What a sweep costs the database (issue 16: a full sweep at 1,000,000 pathways under 5 s).

Ranking the stall conditions (a ROW_NUMBER over every condition holding) is the sweep's expensive
step; it ran once per statement that needed the new stalls (the referents' list, the supervisors'
digest, the events, the flag) and once more for the reasons. A sweep now ranks once to flag (the
UPDATE returns what it flagged, and the events and notices are written from those rows) and once to
check the flagged pathways, and issues no more statements for more new stalls.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.supervision import supervision
from tests.support import supervision as sv


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    seen: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", before)


def _rankings(seen: list[str]) -> int:
    return sum(statement.lower().count("row_number()") for statement in seen)


def _stalls(sessions, clock, count: int) -> None:
    referent = sv.account(sessions, clock, f"conseillere{count}")
    sv.account(sessions, clock, f"superviseur{count}", role="supervisor")
    for n in range(count):
        sv.start(sessions, clock, referent, identifier=f"PE-{count}-{n}")  # accueil due in 2 days


def _sweep(engine, sessions, clock, previous=None) -> tuple[supervision.SweepResult, list[str]]:
    with statements(engine) as seen, unit_of_work(sessions) as session:
        result = supervision.sweep(session, clock.now(), previous)
    return result, seen


def test_a_full_sweep_ranks_the_conditions_twice_whatever_it_flags(engine, sessions, clock):
    sv.publish(sessions, clock)
    _stalls(sessions, clock, 1)
    clock.advance(days=2, minutes=1)
    one, seen_one = _sweep(engine, sessions, clock)
    _stalls(sessions, clock, 4)
    clock.advance(days=2, minutes=1)
    four, seen_four = _sweep(engine, sessions, clock)

    assert (one.flagged, four.flagged) == (1, 4)
    assert _rankings(seen_one) == _rankings(seen_four) == 2
    assert len(seen_four) == len(seen_one)  # no statement per new stall


def test_a_sweep_every_5_minutes_ranks_the_conditions_twice(engine, sessions, clock):
    sv.publish(sessions, clock)
    _stalls(sessions, clock, 3)
    clock.advance(days=2, minutes=1)
    result, seen = _sweep(engine, sessions, clock, previous=clock.now() - timedelta(minutes=5))
    assert result.flagged == 3
    assert _rankings(seen) == 2
