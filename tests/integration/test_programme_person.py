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


def _counts(sessions) -> dict[tuple[str, int], int]:
    with sessions() as session:
        rows = session.execute(
            select(ProgrammePerson.programme, ProgrammePerson.beneficiary_id, ProgrammePerson.pathways)
        )
        return {(programme, person): count for programme, person, count in rows}


def _row(n: int, person: int, programme: str, clock) -> dict:
    return {
        "id": n,
        "programme": programme,
        "process_version_id": 1,
        "beneficiary_id": person,
        "status": "active",
        "current_elements": "",
        "started_at": clock.now(),
        "updated_at": clock.now(),
        "version": 1,
    }


def test_the_count_follows_bulk_inserts_deletions_and_moves(sessions, clock):
    with unit_of_work(sessions) as session:
        session.execute(
            insert(ProcessVersion),
            [
                {
                    "id": 1,
                    "programme": "civis",
                    "version": 1,
                    "content_hash": "0" * 64,
                    "name": "CIVIS",
                    "filename": "civis.bpmn",
                    "files_json": "{}",
                    "forms_json": "{}",
                    "idle_threshold_days": 30,
                    "published_at": clock.now(),
                }
            ],
        )
        session.execute(
            insert(Beneficiary),
            [
                {
                    "id": n,
                    "identifier": f"PE-{n}",
                    "last_name": "Nom",
                    "first_name": "Prénom",
                    "sex": "F",
                    "qualification_level": "IV",
                    "birth_date": clock.now().date().replace(year=2000),
                    "created_at": clock.now(),
                }
                for n in (1, 2)
            ],
        )
        session.execute(
            insert(Pathway),
            [
                _row(1, 1, "civis", clock),
                _row(2, 1, "civis", clock),
                _row(3, 2, "civis", clock),
                _row(4, 1, "csj", clock),
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
