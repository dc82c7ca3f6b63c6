"""Migration 0018 on a database in use: a pathway another connection writes while the migration
runs is counted in `programme_person`, whether it lands before the count is filled or after.

On PostgreSQL the migration used to fill the table, then create the triggers: a pathway committed in
between (while the table's index was built) was in neither, and its person, with two pathways,
counted twice among the people present for ever after.
"""

from __future__ import annotations

import threading
from typing import Any

from alembic import command
from sqlalchemy import Engine, event, func, insert, select

from parcours_engine.persistence.db import make_engine
from parcours_engine.persistence.migrate import alembic_config, upgrade
from parcours_engine.persistence.models import Pathway
from parcours_engine.persistence.models.figures import ProgrammePerson
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.supervision import indicators
from tests.integration.test_programme_person_changes import PERIOD, _pathways, _setup


def test_0018_counts_a_pathway_written_while_it_runs(database_url: str, sessions, clock) -> None:
    _setup(sessions, clock)
    with unit_of_work(sessions) as session:
        session.execute(insert(Pathway), _pathways(clock, (1, 1, "civis")))
    command.downgrade(alembic_config(database_url), "0017")
    writer = make_engine(database_url)
    started: list[threading.Thread] = []

    def write() -> None:  # the person's second pathway, from another connection
        with writer.begin() as conn:
            conn.execute(insert(Pathway.__table__), _pathways(clock, (2, 1, "civis")))

    def meanwhile(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if not started and statement.lstrip().startswith("CREATE INDEX ix_programme_person_repeat"):
            started.append(threading.Thread(target=write))
            started[0].start()
            started[0].join(timeout=1)  # done at once unless the migration holds pathway's writers off

    event.listen(Engine, "before_cursor_execute", meanwhile)
    try:
        upgrade(database_url)
    finally:
        event.remove(Engine, "before_cursor_execute", meanwhile)
        for thread in started:
            thread.join()
        writer.dispose()
    assert started
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Pathway)) == 2
        counts = session.execute(
            select(ProgrammePerson.programme, ProgrammePerson.beneficiary_id, ProgrammePerson.pathways)
        ).all()
        assert [tuple(row) for row in counts] == [("civis", 1, 2)]
        present, _entries = indicators.breakdowns(session, "civis", PERIOD)
        assert present.people == 1
