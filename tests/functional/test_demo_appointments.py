"""Demo appointments (issue 17): each demo referent finds a week with appointments, people whose
contact details and email channel are recorded, and someone to call back; loading again adds none."""

from __future__ import annotations

from sqlalchemy import func, select

from parcours_engine.demo.workspace import DEMO_PASSWORD, load_demo
from parcours_engine.persistence.models.appointments import Appointment, ContactConsent
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.web import create_app
from tests.functional.conftest import World
from tests.support.library import publish_fixture


def test_the_demo_referents_have_appointments_to_hold_and_people_to_call_back(database_url, sessions, clock):
    publish_fixture(sessions, clock)
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test", "CLOCK": clock})
    world = World(app, sessions, clock)
    with unit_of_work(sessions) as session:
        assert "appointments" in load_demo(session, clock, people=40)
    with sessions() as session:
        count = session.scalar(select(func.count(Appointment.id)))
        statuses = set(session.scalars(select(Appointment.attendance)))
        assert session.scalar(select(func.count(ContactConsent.id)))
    assert count and {"venu", "absent_non_excuse", None} <= statuses
    with unit_of_work(sessions) as session:
        load_demo(session, clock)
    with sessions() as session:
        assert session.scalar(select(func.count(Appointment.id))) == count
    agendas = []
    for username in ("conseiller1", "conseiller2", "conseiller3"):
        client = world.client()
        client.sign_in(username, DEMO_PASSWORD)
        week = client.get("/agenda").get_data(as_text=True) + client.get("/agenda?date=2026-01-12").get_data(
            as_text=True
        )
        agendas.append(week)
    assert sum(page.count('class="agenda-item') for page in agendas) >= 3
    assert any('id="follow-ups"' in page for page in agendas)
