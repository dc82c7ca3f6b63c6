"""Demo data gives each demo account a living workspace: structures, caseloads, inboxes."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select

from parcours_engine.demo.workspace import DEMO_PASSWORD, load_demo
from parcours_engine.domain.enums import WorkItemStatus
from parcours_engine.persistence.models import Account, Pathway, WorkItem
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.web import create_app
from tests.functional.conftest import World
from tests.support.library import publish_fixture


def test_demo_accounts_sign_in_and_see_their_work(database_url, sessions, clock):
    publish_fixture(sessions, clock)
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test", "CLOCK": clock})
    world = World(app, sessions, clock)
    with unit_of_work(world.sessions) as session:
        assert "demo data loaded" in load_demo(session, world.clock, people=20)
    with unit_of_work(world.sessions) as session:
        assert load_demo(session, world.clock) == "demo data already loaded"
    with world.sessions() as session:
        csp = session.scalar(select(Account).where(Account.username == "conseiller2"))
        assert csp.structure is not None and csp.routing_code == "csp_mna_moulins"
        assert session.scalar(select(func.count(Pathway.id)).where(Pathway.structure_id.is_(None))) == 0
    client = world.client()
    client.sign_in("conseiller1", DEMO_PASSWORD)
    assert client.get("/file-active").status_code == 200
    assert client.get("/taches").status_code == 200
    supervisor = world.client()
    supervisor.sign_in("superviseur", DEMO_PASSWORD)
    assert supervisor.get("/parcours").get_data(as_text=True).count("/parcours/") >= 10
    # The demo structure has this year's objectives: the supervisor's dashboard shows them.
    figures = supervisor.get("/supervision/?format=csv&table=summary").get_data(as_text=True)
    rows = [line.split(";") for line in figures.lstrip("\ufeff").splitlines()[1:]]
    assert rows and all(row[3].isdigit() for row in rows)  # "Objectif d'entrées" filled


def test_each_demo_role_lands_on_its_own_page_and_the_coordination_lane_has_a_counsellor(
    database_url, sessions, clock
):
    """Coordinators do no tasks (issue 12): the Coordination lane's tasks (IEJ's eligibility check) go
    to a counsellor of the coordination team; a database loaded before that account existed gains it."""
    publish_fixture(sessions, clock)
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test", "CLOCK": clock})
    world = World(app, sessions, clock)
    with unit_of_work(world.sessions) as session:
        load_demo(session, world.clock, people=5)
    with unit_of_work(world.sessions) as session:
        session.delete(session.scalar(select(Account).where(Account.username == "coordination_iej")))
    with unit_of_work(world.sessions) as session:
        assert load_demo(session, world.clock) == "demo data already loaded"
    with world.sessions() as session:
        lane = session.scalar(select(Account).where(Account.username == "coordination_iej"))
        coordinator = session.scalar(select(Account).where(Account.username == "coordination"))
        assert (lane.role, lane.team) == ("counsellor", "coordination")
        assert lane.structure_id == coordinator.structure_id is not None
    landings = {
        "coordination_iej": "/taches",
        "accueil": "/taches",
        "coordination": "/studio",
        "superviseur": "/supervision/",
    }
    for username, landing in landings.items():
        client = world.client()
        client.sign_in(username, DEMO_PASSWORD)
        assert client.get("/").headers["Location"].endswith(landing), username


def test_the_demo_inboxes_look_like_real_ones(sessions, clock):
    """Issue 15, point 11: on the shipped programmes, a few of the referents' tasks are overdue and
    most are due in the coming weeks (before: 35 of conseiller1's 37 tasks were overdue)."""
    publish_fixture(sessions, clock, Path(__file__).resolve().parents[2])  # processes/ and forms/
    with unit_of_work(sessions) as session:
        load_demo(session, clock, people=120)
    with sessions() as session:
        due = list(
            session.scalars(
                select(WorkItem.due_at)
                .join(Account, Account.id == WorkItem.assignee_id)
                .where(Account.username.like("conseiller%"), WorkItem.status == WorkItemStatus.OPEN)
            )
        )
    now = clock.now()
    overdue = sum(1 for at in due if at is not None and at < now)
    coming = sum(1 for at in due if at is not None and now <= at <= now + timedelta(weeks=6))
    assert len(due) >= 20
    assert 0 < overdue <= len(due) // 4, (overdue, len(due))
    assert coming >= len(due) // 2, (coming, len(due))
