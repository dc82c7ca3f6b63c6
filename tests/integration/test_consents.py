"""The two kinds of consent (sharing a passport with a structure, accepting reminders on a channel)
are recorded by one rule (persistence/consents.py): never dated in the future, at most one in force
per structure or channel, a new one possible once it is withdrawn, one scope independent of another."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.appointments import contacts
from parcours_engine.domain.clock import FrozenClock
from parcours_engine.domain.errors import ConflictError, InvalidInput
from parcours_engine.passport import consent
from parcours_engine.persistence.uow import unit_of_work
from tests.integration.test_passport import _pathway_with_referent, account, people

TODAY = date(2026, 1, 5)  # the `clock` fixture's day
TOMORROW = date(2026, 1, 6)


def _recorders(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> tuple[int, dict[str, Callable[[Session, date, str], Any]], dict[str, Callable[..., Any]]]:
    """A person followed by `referente`, with an email and a phone, and for each kind of consent how
    to give one (in a scope: a structure's code, a channel) and to withdraw one."""
    ids = people(sessions, clock)
    person = ids["person"]
    with unit_of_work(sessions) as session:
        _pathway_with_referent(session, clock, person, ids["referente"])
        details = contacts.ContactInput(phone="06 12 34 56 78", email="lea.martin@example.org")
        contacts.save(session, clock, account(session, "referente"), person, details, "/t")

    def sharing(session: Session, given_on: date, scope: str) -> Any:
        structure = account(session, "educ" if scope == "pjj" else "referente").structure_id
        assert structure is not None
        return consent.give(session, clock, account(session, "referente"), person, structure, given_on, "/t")

    def channel(session: Session, given_on: date, scope: str) -> Any:
        return contacts.give_consent(
            session, clock, account(session, "referente"), person, scope, given_on, "/t"
        )

    withdraw = {
        "sharing": lambda session, consent_id: consent.withdraw(
            session, clock, account(session, "referente"), person, consent_id, "/t"
        ),
        "channel": lambda session, consent_id: contacts.withdraw_consent(
            session, clock, account(session, "referente"), person, consent_id, "/t"
        ),
    }
    return person, {"sharing": sharing, "channel": channel}, withdraw


@pytest.mark.parametrize(
    ("kind", "scope", "other_scope"), [("sharing", "pjj", "ml"), ("channel", "email", "sms")]
)
def test_both_kinds_of_consent_are_recorded_by_the_same_rule(
    sessions: sessionmaker[Session], clock: FrozenClock, kind: str, scope: str, other_scope: str
) -> None:
    _person, give, withdraw = _recorders(sessions, clock)
    with pytest.raises(InvalidInput) as refused, unit_of_work(sessions) as session:
        give[kind](session, TOMORROW, scope)
    assert [e.code for e in refused.value.field_errors["given_on"]] == ["field.date_before"]
    with unit_of_work(sessions) as session:
        first = give[kind](session, TODAY, scope)
        first_id = first.id
        assert (first.given_on, first.recorded_by, first.withdrawn_at) == (TODAY, "referente", None)
    with pytest.raises(ConflictError) as twice, unit_of_work(sessions) as session:
        give[kind](session, TODAY, scope)
    assert twice.value.code == "consent.in_force"
    with unit_of_work(sessions) as session:
        give[kind](session, TODAY, other_scope)  # another structure or channel is its own consent
        withdraw[kind](session, first_id)
    with unit_of_work(sessions) as session:
        again = give[kind](session, TODAY, scope)
        assert again.id != first_id
