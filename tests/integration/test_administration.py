"""The administration's guard against losing every admin, under two admins acting at once."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from parcours_engine.accounts import accounts, administration
from parcours_engine.domain.errors import ConflictError, InvalidInput
from parcours_engine.persistence.models import Account
from parcours_engine.persistence.models.admin import AccountEvent
from parcours_engine.persistence.uow import unit_of_work


def test_two_admins_deactivating_each_other_at_once_leave_one_admin(database_url, sessions, clock):
    with unit_of_work(sessions) as session:
        first = accounts.create_account(session, clock, username="admin_a", password=None, role="admin").id
        second = accounts.create_account(session, clock, username="admin_b", password=None, role="admin").id
    late = sessions()  # the second admin's request has begun: it knows who is asking
    late_actor = late.get(Account, second)
    assert late_actor is not None
    with unit_of_work(sessions) as session:
        actor = session.get(Account, first)
        assert actor is not None
        administration.set_active(session, clock, actor, second, False)
    # PostgreSQL: the locked count sees the first change and refuses; SQLite: the stale write conflicts.
    refusal = ConflictError if database_url.startswith("sqlite") else InvalidInput
    with pytest.raises(refusal):
        administration.set_active(late, clock, late_actor, first, False)
    late.rollback()
    late.close()
    with sessions() as session:
        admins = session.scalars(select(Account.username).where(Account.role == "admin", Account.active))
        assert list(admins) == ["admin_a"]
        assert [e.kind for e in session.scalars(select(AccountEvent))] == ["deactivated"]
