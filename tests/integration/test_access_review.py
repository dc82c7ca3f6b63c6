"""The admins' "Accès inhabituels": distinct files read per account and day, counted by the database
(SQLite and PostgreSQL) — repeated reads of one file count once, lists and refusals not at all."""

from __future__ import annotations

from datetime import date, timedelta

from parcours_engine.accounts import access_review
from parcours_engine.persistence.models import AccessLog, Account, Beneficiary
from parcours_engine.persistence.uow import unit_of_work


def test_accounts_over_the_threshold_are_listed_by_day(sessions, clock):
    now = clock.now()
    with unit_of_work(sessions) as session:
        admin = Account(username="adm", display_name="Admin", role="admin", active=True, created_at=now)
        busy = Account(
            username="busy", display_name="Curieux", role="counsellor", active=True, created_at=now
        )
        calm = Account(username="calm", display_name="Calme", role="counsellor", active=True, created_at=now)
        session.add_all([admin, busy, calm])
        people = [
            Beneficiary(
                identifier=f"P{i}",
                last_name=f"N{i}",
                first_name="A",
                birth_date=date(2000, 1, 1),
                sex="F",
                created_at=now,
            )
            for i in range(5)
        ]
        session.add_all(people)
        session.flush()
        log = []
        for person in people:  # five distinct files today, each twice
            log += [AccessLog(at=now, account_id=busy.id, beneficiary_id=person.id, action="read", route="r")]
            log.append(
                AccessLog(at=now, account_id=busy.id, beneficiary_id=person.id, action="read", route="r")
            )
        for person in people[:3]:  # three files 40 days ago: outside the review window
            log.append(
                AccessLog(
                    at=now - timedelta(days=40),
                    account_id=calm.id,
                    beneficiary_id=person.id,
                    action="read",
                    route="r",
                )
            )
        log += [AccessLog(at=now, account_id=calm.id, action="list", route="r", shown=50)]
        log += [AccessLog(at=now, account_id=calm.id, action="refused", route="r")]
        session.add_all(log)
        session.flush()
        admin_id = admin.id
    with unit_of_work(sessions) as session:
        actor = session.get(Account, admin_id)
        days = access_review.unusual_access(session, clock, actor, threshold=2)
        assert [(d.day, d.who, d.files_read) for d in days] == [(now.date(), "Curieux", 5)]
        assert access_review.unusual_access(session, clock, actor, threshold=5) == []
