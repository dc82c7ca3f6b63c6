"""How many SQL statements one persisted transition costs, on SQLite and PostgreSQL (issue 16).

Counting rule: every statement the database driver executes inside the unit of work (a
`before_cursor_execute` listener on the engine), except transaction control: the `BEGIN` (SQLite's
`BEGIN IMMEDIATE`, PostgreSQL's implicit one) and the `COMMIT` are not statements of the transition;
commits are counted apart (the engine's `commit` event) and there must be exactly one. The reads the
use case needs (the task, the pathway and its state) count.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from parcours_engine.pathways import pathways
from parcours_engine.persistence.models import Pathway, PathwayEvent
from parcours_engine.persistence.uow import unit_of_work
from tests.support.library import complete_open, open_item, publish_fixture, start

MAX_STATEMENTS = 6


@dataclass
class Counted:
    statements: list[str] = field(default_factory=list)
    commits: int = 0


@contextmanager
def counting(engine: Engine) -> Iterator[Counted]:
    counted = Counted()

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.strip().upper().split(" ")[0] not in ("BEGIN", "COMMIT"):
            counted.statements.append(statement.strip().splitlines()[0][:100])

    def commit(_conn: Any) -> None:
        counted.commits += 1

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "commit", commit)
    try:
        yield counted
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "commit", commit)


def test_a_task_completion_costs_few_statements_and_one_commit(engine, sessions, clock):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    with sessions() as session:
        item_id = open_item(session, pathway_id).id

    clock.advance(days=1)
    with counting(engine) as counted, unit_of_work(sessions) as session:
        answers = {"date_accueil": "2026-01-06", "orientation": "interne"}
        pathways.complete_work_item(session, clock, item_id, answers, "test")

    with sessions() as session:  # the transition happened: the next task is open
        assert session.get(Pathway, pathway_id).current_elements == "Task_diagnostic"
    assert counted.commits == 1
    assert len(counted.statements) <= MAX_STATEMENTS, "\n".join(counted.statements)


# The reference model up to its 7-day timer (the bench's answers).
BEFORE_TIMER = [
    {"date_accueil": "2026-01-06", "orientation": "interne"},
    {"besoin_formation": True, "diviseur": 2},
    {"date_entretien": "2026-01-06"},
    {"date_entretien": "2026-01-06"},
]


def test_a_timer_firing_costs_few_statements_and_one_commit(engine, sessions, clock):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    for answers in BEFORE_TIMER:
        complete_open(sessions, clock, pathway_id, answers)
    with sessions() as session:
        assert session.get(Pathway, pathway_id).current_elements == "Timer_attente"

    clock.advance(days=8)
    with counting(engine) as counted, unit_of_work(sessions) as session:
        assert pathways.fire_timers(session, clock, pathway_id) == 1

    with sessions() as session:
        assert session.get(Pathway, pathway_id).current_elements == "Task_sortie"
    assert counted.commits == 1
    assert len(counted.statements) <= MAX_STATEMENTS, "\n".join(counted.statements)


def test_the_completion_that_ends_a_pathway_costs_few_statements_and_one_commit(engine, sessions, clock):
    """Its two events (the task completed, the pathway completed) go in one statement."""
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    for answers in BEFORE_TIMER:
        complete_open(sessions, clock, pathway_id, answers)
    clock.advance(days=8)
    with unit_of_work(sessions) as session:
        pathways.fire_timers(session, clock, pathway_id)
    with sessions() as session:
        item_id = open_item(session, pathway_id).id

    with counting(engine) as counted, unit_of_work(sessions) as session:
        pathways.complete_work_item(session, clock, item_id, {"issue": "cdi"}, "test")

    with sessions() as session:
        ended = session.get(Pathway, pathway_id)
        assert ended.status == "completed" and ended.outcome == "cdi"
        kinds = session.scalars(
            select(PathwayEvent.kind).where(PathwayEvent.pathway_id == pathway_id).order_by(PathwayEvent.id)
        ).all()
    assert kinds[-2:] == ["task_completed", "completed"]
    assert counted.commits == 1
    assert len(counted.statements) <= MAX_STATEMENTS, "\n".join(counted.statements)
