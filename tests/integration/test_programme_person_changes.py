"""`programme_person` and the dashboard's people present when pathway rows change after they were
counted: a pathway moved to another programme, to another person, a person's every pathway deleted,
an erasure (which keeps the pathways), and a downgrade below migration 0018 with pathways written
meanwhile, then the upgrade back. The count must equal the pathways grouped by programme and person,
and `breakdowns` must count each present person once.
"""

from __future__ import annotations

from alembic import command
from sqlalchemy import case, delete, func, insert, select, update

from parcours_engine.pathways import retention
from parcours_engine.persistence.migrate import alembic_config, upgrade
from parcours_engine.persistence.models import Beneficiary, Pathway, ProcessVersion
from parcours_engine.persistence.models.figures import ProgrammePerson
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.supervision import indicators
from tests.support.rows import pathway_row, person_rows, version_row

PROGRAMMES = ("civis", "csj")
PERIOD = indicators.Period.year(2026)


def _setup(sessions, clock, people: int = 4) -> None:
    with unit_of_work(sessions) as session:
        session.execute(insert(ProcessVersion), [version_row(clock)])
        session.execute(insert(Beneficiary), person_rows(clock, people))


def _pathways(clock, *rows: tuple[int, int, str]) -> list[dict]:
    """(id, person, programme) -> pathway rows, all present in PERIOD."""
    return [pathway_row(n, person, programme, clock, entry_sex="F") for n, person, programme in rows]


def _check(sessions) -> dict[tuple[str, int], int]:
    """The counts, once checked against the pathways and the people present."""
    with sessions() as session:
        counts = {
            (programme, person): n
            for programme, person, n in session.execute(
                select(ProgrammePerson.programme, ProgrammePerson.beneficiary_id, ProgrammePerson.pathways)
            )
        }
        grouped = session.execute(
            select(Pathway.programme, Pathway.beneficiary_id, func.count()).group_by(
                Pathway.programme, Pathway.beneficiary_id
            )
        )
        assert counts == {(programme, person): n for programme, person, n in grouped}
        for programme in PROGRAMMES:
            present, _entries = indicators.breakdowns(session, programme, PERIOD)
            people = session.scalar(
                select(func.count(func.distinct(Pathway.beneficiary_id))).where(
                    Pathway.programme == programme
                )
            )
            assert (present.people, present.women) == (people, people)
        return counts


def test_moves_deletions_and_an_erasure_keep_the_count_and_the_people_present(sessions, clock):
    _setup(sessions, clock)
    with unit_of_work(sessions) as session:
        session.execute(
            insert(Pathway),
            _pathways(clock, (1, 1, "civis"), (2, 1, "civis"), (3, 2, "civis"), (4, 2, "csj"), (5, 3, "csj")),
        )
    assert _check(sessions) == {("civis", 1): 2, ("civis", 2): 1, ("csj", 2): 1, ("csj", 3): 1}

    with unit_of_work(sessions) as session:  # another programme: person 2 now twice in csj
        session.execute(update(Pathway).where(Pathway.id == 3).values(programme="csj"))
    assert _check(sessions) == {("civis", 1): 2, ("csj", 2): 2, ("csj", 3): 1}

    with unit_of_work(sessions) as session:  # programme and person at once, then a swap of people
        session.execute(update(Pathway).where(Pathway.id == 5).values(programme="civis", beneficiary_id=1))
    assert _check(sessions) == {("civis", 1): 3, ("csj", 2): 2}
    with unit_of_work(sessions) as session:  # one statement swaps the people of pathways 1 and 3
        session.execute(
            update(Pathway.__table__)
            .where(Pathway.id.in_([1, 3]))
            .values(beneficiary_id=case((Pathway.__table__.c.id == 1, 2), else_=1))
        )
    assert _check(sessions) == {("civis", 1): 2, ("civis", 2): 1, ("csj", 1): 1, ("csj", 2): 1}

    with unit_of_work(sessions) as session:  # person 1 gone with their pathways
        session.execute(delete(Pathway.__table__).where(Pathway.beneficiary_id == 1))
        session.execute(delete(Beneficiary).where(Beneficiary.id == 1))
    assert _check(sessions) == {("civis", 2): 1, ("csj", 2): 1}

    with unit_of_work(sessions) as session:  # an erasure keeps the pathways, so the counts
        session.execute(update(Pathway).values(status="completed", ended_at=clock.now()))
        retention.anonymise(session, clock, 2, retention.REQUEST, "demande d'effacement")
    assert _check(sessions) == {("civis", 2): 1, ("csj", 2): 1}


def test_downgrade_below_0018_then_upgrade_recounts_every_pathway(database_url, sessions, clock):
    _setup(sessions, clock)
    with unit_of_work(sessions) as session:
        session.execute(insert(Pathway), _pathways(clock, (1, 1, "civis"), (2, 2, "civis")))
    try:
        command.downgrade(alembic_config(database_url), "0017")
        with unit_of_work(sessions) as session:  # written while nothing counts
            session.execute(insert(Pathway), _pathways(clock, (3, 1, "civis"), (4, 3, "csj"), (5, 3, "csj")))
            session.execute(delete(Pathway.__table__).where(Pathway.id == 2))
    finally:
        upgrade(database_url)
    assert _check(sessions) == {("civis", 1): 2, ("csj", 3): 2}
    with unit_of_work(sessions) as session:  # the triggers are back
        session.execute(insert(Pathway), _pathways(clock, (6, 2, "civis")))
        session.execute(delete(Pathway.__table__).where(Pathway.id == 4))
    assert _check(sessions) == {("civis", 1): 2, ("civis", 2): 1, ("csj", 3): 1}
