"""`programme_person`: how many pathways each person has in each programme, kept by the database.

The dashboard finds the people with several pathways of a programme there (issue 16: grouping every
present pathway by person cost 80 ms of the 185 ms of an unscoped dashboard at 1,000,000 pathways),
so the count must hold whoever writes the pathway rows: the application, a bulk load, an erasure.
"""

from __future__ import annotations

from sqlalchemy import delete, insert, select, update

from parcours_engine.persistence.models import Beneficiary, Pathway, ProcessVersion
from parcours_engine.persistence.models.figures import ProgrammePerson
from parcours_engine.persistence.uow import unit_of_work
from tests.support import supervision as sv
from tests.support.rows import pathway_row, person_rows, version_row


def _counts(sessions) -> dict[tuple[str, int], int]:
    with sessions() as session:
        rows = session.execute(
            select(ProgrammePerson.programme, ProgrammePerson.beneficiary_id, ProgrammePerson.pathways)
        )
        return {(programme, person): count for programme, person, count in rows}


def test_the_count_follows_bulk_inserts_deletions_and_moves(sessions, clock):
    with unit_of_work(sessions) as session:
        session.execute(insert(ProcessVersion), [version_row(clock)])
        session.execute(insert(Beneficiary), person_rows(clock, 2))
        session.execute(
            insert(Pathway),
            [
                pathway_row(1, 1, "civis", clock),
                pathway_row(2, 1, "civis", clock),
                pathway_row(3, 2, "civis", clock),
                pathway_row(4, 1, "csj", clock),
            ],
        )
    assert _counts(sessions) == {("civis", 1): 2, ("civis", 2): 1, ("csj", 1): 1}

    with unit_of_work(sessions) as session:
        session.execute(update(Pathway.__table__).where(Pathway.id == 2).values(beneficiary_id=2))
    assert _counts(sessions) == {("civis", 1): 1, ("civis", 2): 2, ("csj", 1): 1}

    with unit_of_work(sessions) as session:
        session.execute(delete(Pathway.__table__).where(Pathway.id.in_([1, 4])))
    assert _counts(sessions) == {("civis", 2): 2}  # no row left for a person without pathways


def test_pathways_started_by_the_application_are_counted(sessions, clock):
    sv.publish(sessions, clock)
    referent = sv.account(sessions, clock, "conseillere")
    people = [
        sv.pathway(sessions, sv.start(sessions, clock, referent, identifier=f"PE-{n}")).beneficiary_id
        for n in (1, 2)
    ]
    assert _counts(sessions) == {(sv.PROGRAMME, person): 1 for person in people}
