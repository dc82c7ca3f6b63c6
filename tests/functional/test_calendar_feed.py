"""A counsellor's agenda as an iCalendar feed (issue 17, step 4): a secret address shown once, parsed
here by the `icalendar` library as Outlook and Thunderbird would, revocable, and holding only that
counsellor's appointments."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from icalendar import Calendar
from sqlalchemy import select

from parcours_engine.persistence.models import AccessLog
from parcours_engine.persistence.models.appointments import Appointment, CalendarFeed
from tests.functional.conftest import World
from tests.functional.test_appointments import SUIVI
from tests.functional.test_permissions import person_of

ADDRESS = re.compile(r'id="feed-address" readonly value="http://localhost(/agenda/flux/[^"]+\.ics)"')


def _book(world: World, username: str, person_id: int, **changes: str) -> Any:
    client = world.client(username)
    return client.post(f"/personnes/{person_id}/rendez-vous", {**SUIVI, "place": "Bureau 3", **changes})


def _new_address(world: World, username: str) -> str:
    page = world.client(username).post("/agenda/flux")
    assert page.status_code == 200
    found = ADDRESS.search(page.get_data(as_text=True))
    assert found, "the new address is shown"
    return found.group(1)


def _events(world: World, path: str) -> list[Any]:
    answer = world.app.test_client().get(path)  # nobody signed in: the token opens it
    assert answer.status_code == 200
    assert answer.headers["Content-Type"].startswith("text/calendar")
    assert answer.headers["Cache-Control"] == "no-store"
    return list(Calendar.from_ical(answer.data).walk("VEVENT"))


def test_the_feed_gives_the_counsellors_appointments_to_a_calendar_application(world: World) -> None:
    mine = person_of(world, world.start(last_name="Durand", first_name="Nina"))
    theirs = person_of(world, world.start(referent="collegue", last_name="Autre"))
    assert _book(world, "conseiller", mine).status_code == 303
    assert _book(world, "conseiller", mine, at="16:00", mode="visio", place="").status_code == 303
    assert _book(world, "collegue", theirs).status_code == 303
    with world.sessions() as session:
        first, second = session.scalars(
            select(Appointment).where(Appointment.beneficiary_id == mine).order_by(Appointment.id)
        ).all()
    client = world.client("conseiller")
    cancelled = client.post(f"/personnes/{mine}/rendez-vous/{second.id}/annuler", {"reason": "autre"})
    assert cancelled.status_code == 303
    assert 'id="feed-link"' in client.get("/agenda").get_data(as_text=True)
    path = _new_address(world, "conseiller")
    events = {str(event["UID"]): event for event in _events(world, path)}
    assert set(events) == {
        f"appointment-{first.id}@parcours-engine",
        f"appointment-{second.id}@parcours-engine",
    }
    event = events[f"appointment-{first.id}@parcours-engine"]
    assert event.decoded("DTSTART") == datetime(2026, 1, 7, 13, 0, tzinfo=UTC)
    assert event.decoded("DTEND") == datetime(2026, 1, 7, 14, 0, tzinfo=UTC)
    assert str(event["SUMMARY"]) == "Suivi · DURAND N."
    assert str(event["LOCATION"]) == "Bureau 3" and str(event["STATUS"]) == "CONFIRMED"
    assert str(event["URL"]).endswith(f"/personnes/{mine}/rendez-vous/{first.id}")
    assert str(events[f"appointment-{second.id}@parcours-engine"]["STATUS"]) == "CANCELLED"
    with world.sessions() as session:
        logged = session.execute(
            select(AccessLog.account_id, AccessLog.action, AccessLog.shown).where(
                AccessLog.route.contains("flux/<token>")
            )
        ).all()
    assert logged == [(world.ids["conseiller"], "list", 2)]
    with world.sessions() as session:
        stored = session.scalars(select(CalendarFeed.token_hash)).one()
    assert path.split("/")[-1].removesuffix(".ics") not in stored  # only its hash is kept


def test_a_new_address_or_a_revocation_stops_the_old_one(world: World) -> None:
    old = _new_address(world, "conseiller")
    new = _new_address(world, "conseiller")
    assert world.app.test_client().get(old).status_code == 404
    assert world.app.test_client().get(new).status_code == 200
    client = world.client("conseiller")
    assert "active depuis le 05/01/2026" in client.get("/agenda/flux").get_data(as_text=True)
    assert client.post("/agenda/flux/revocation").status_code == 303
    assert world.app.test_client().get(new).status_code == 404
    assert "Aucune adresse" in client.get("/agenda/flux").get_data(as_text=True)
    for wrong in ("/agenda/flux/x.ics", "/agenda/flux/" + "a" * 200 + ".ics"):
        assert world.app.test_client().get(wrong).status_code == 404
    assert world.client("superviseur").post("/agenda/flux").status_code == 403
