"""Helpers for the supervision tests: the `suivi_mesures` fixture programme, accounts, counts."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.domain.clock import Clock
from parcours_engine.persistence.models import Account, Notification, Pathway
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.supervision import supervision
from tests.support import library
from tests.support.library import complete_open, publish_fixture

SUPERVISION_LIBRARY = Path(__file__).resolve().parent.parent / "fixtures" / "supervision_library"
PROGRAMME = "suivi_mesures"


def publish(sessions: sessionmaker[Session], clock: Clock) -> None:
    publish_fixture(sessions, clock, SUPERVISION_LIBRARY)


def account(sessions: sessionmaker[Session], clock: Clock, username: str, role: str = "counsellor") -> int:
    with unit_of_work(sessions) as session:
        row = Account(
            username=username,
            display_name=username.title(),
            role=role,
            team="referent" if role == "counsellor" else None,
            active=True,
            created_at=clock.now(),
        )
        session.add(row)
        session.flush()
        return row.id


def start(
    sessions: sessionmaker[Session], clock: Clock, referent_id: int | None = None, **person: Any
) -> int:
    return library.start(sessions, clock, PROGRAMME, referent_id, **person)


def accueil(sessions: sessionmaker[Session], clock: Clock, pathway_id: int) -> None:
    complete_open(sessions, clock, pathway_id, {"date_accueil": clock.now().date().isoformat()})


def plan(sessions: sessionmaker[Session], clock: Clock, pathway_id: int, suite: str, **extra: Any) -> None:
    complete_open(sessions, clock, pathway_id, {"suite": suite, **extra})


def end_measure(sessions: sessionmaker[Session], clock: Clock, pathway_id: int) -> None:
    complete_open(sessions, clock, pathway_id, {"date_fin_mesure": clock.now().date().isoformat()})


def exit_with(sessions: sessionmaker[Session], clock: Clock, pathway_id: int, outcome: str) -> None:
    plan(sessions, clock, pathway_id, "sortie")
    complete_open(sessions, clock, pathway_id, {"issue": outcome})


def sweep(sessions: sessionmaker[Session], clock: Clock) -> supervision.SweepResult:
    with unit_of_work(sessions) as session:
        return supervision.sweep(session, clock.now())


def pathway(sessions: sessionmaker[Session], pathway_id: int) -> Pathway:
    with sessions() as session:
        row = session.get(Pathway, pathway_id)
        assert row is not None
        return row


def notifications(sessions: sessionmaker[Session], account_id: int, kind: str) -> int:
    with sessions() as session:
        query = select(func.count(Notification.id)).where(
            Notification.account_id == account_id, Notification.kind == kind
        )
        return session.scalar(query) or 0
