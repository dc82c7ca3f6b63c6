"""Appointments wired to the pathway rules (issue 17): a model's user task asking for an appointment
(`appointmentKind`) offers to book it and completes when the attendance is recorded 'venu'; an
absence keeps it open, and an unexcused one notifies the referent to call the person back; a
programme that says so (`appointmentsCountAsPlanned`) counts a booked appointment as a planned
measure for its idle rule. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from parcours_engine.persistence.models import Notification, Pathway, PathwayEvent, WorkItem
from parcours_engine.persistence.models.appointments import Appointment
from parcours_engine.persistence.uow import unit_of_work
from tests.functional.conftest import World, build_world
from tests.support.library import publish_fixture

LIBRARY = Path(__file__).resolve().parent.parent / "fixtures" / "appointment_library"
DIAGNOSTIC = {
    "kind": "diagnostic",
    "at": "14:00",
    "duration_minutes": "60",
    "mode": "lieu",
    "place": "Bureau 3",
}


@pytest.fixture
def world(database_url: str, sessions: Any, clock: Any) -> World:
    built = build_world(database_url, sessions, clock)
    publish_fixture(sessions, clock, LIBRARY)
    return built


def _start(world: World, programme: str = "rdv_simple") -> tuple[int, int]:
    """A person of ml_nord followed by `conseiller` in `programme`: (pathway, person)."""
    from parcours_engine.pathways import pathways

    person_id = world.person(last_name="Rendezvous", first_name="Inès")
    with unit_of_work(world.sessions) as session:
        started = pathways.start_pathway(
            session, world.clock, programme, person_id, "accueil", world.ids["conseiller"]
        )
        return started.id, person_id


def _book(client: Any, person_id: int, pathway_id: int, day: str = "2026-01-07") -> int:
    booked = client.post(
        f"/personnes/{person_id}/rendez-vous", {**DIAGNOSTIC, "day": day, "pathway_id": str(pathway_id)}
    )
    assert booked.status_code == 303, booked.get_data(as_text=True)
    return int(booked.headers["Location"].rsplit("/", 1)[1])


def _items(world: World, pathway_id: int) -> list[tuple[str, str, str | None]]:
    with world.sessions() as session:
        rows = session.execute(
            select(WorkItem.name, WorkItem.status, WorkItem.completed_by)
            .where(WorkItem.pathway_id == pathway_id)
            .order_by(WorkItem.id)
        )
        return [tuple(row) for row in rows]  # type: ignore[misc]


def _on(world: World, day: int) -> Any:
    """January `day`, just after the 14:00 (Paris) appointment started: a new session."""
    world.clock.set(datetime(2026, 1, day, 13, 5, tzinfo=UTC))
    return world.client("conseiller")


def _attend(client: Any, person_id: int, appointment_id: int, attendance: str) -> None:
    answer = client.post(
        f"/personnes/{person_id}/rendez-vous/{appointment_id}/presence", {"attendance": attendance}
    )
    assert answer.status_code == 303, answer.get_data(as_text=True)


def test_the_task_offers_its_appointment_and_completes_when_the_person_came(world: World) -> None:
    pathway_id, person_id = _start(world)
    client = world.client("conseiller")
    item_id = world.open_item(pathway_id)
    page = client.get(f"/taches/{item_id}").get_data(as_text=True)
    assert 'id="appointment-task"' in page and "Diagnostic" in page
    assert f"parcours={pathway_id}" in page and "type=diagnostic" in page
    assert 'class="task-form"' not in page  # no form to fill: the attendance completes it
    booking = client.get(f"/personnes/{person_id}/rendez-vous?parcours={pathway_id}&type=diagnostic")
    assert '<option value="diagnostic" selected>' in booking.get_data(as_text=True)
    refused = client.post(f"/taches/{item_id}", {"date_entretien": "2026-01-05"})
    assert refused.status_code == 409  # completed by hand: refused, the task stays open
    assert _items(world, pathway_id) == [("Entretien de diagnostic", "open", None)]

    appointment_id = _book(client, person_id, pathway_id)
    _attend(_on(world, 7), person_id, appointment_id, "venu")
    assert _items(world, pathway_id) == [
        ("Entretien de diagnostic", "completed", "conseiller"),
        ("Suite du parcours", "open", None),
    ]


def test_an_absence_keeps_the_task_open_and_an_unexcused_one_notifies_the_referent(world: World) -> None:
    pathway_id, person_id = _start(world)
    client = world.client("conseiller")
    excused = _book(client, person_id, pathway_id, day="2026-01-06")
    missed = _book(client, person_id, pathway_id, day="2026-01-07")
    client = _on(world, 7)
    _attend(client, person_id, excused, "excuse")
    _attend(client, person_id, missed, "absent_non_excuse")
    assert _items(world, pathway_id) == [("Entretien de diagnostic", "open", None)]
    with world.sessions() as session:
        notes = session.scalars(
            select(Notification.kind).where(Notification.account_id == world.ids["conseiller"])
        ).all()
        events = session.scalars(
            select(PathwayEvent.kind).where(PathwayEvent.pathway_id == pathway_id).order_by(PathwayEvent.id)
        ).all()
    assert notes.count("appointment_missed") == 1  # the unexcused absence only
    assert events.count("appointment_missed") == 1
    shown = client.get("/notifications").get_data(as_text=True)
    assert "Relancer la personne" in shown and "RENDEZVOUS" in shown.upper()
    history = client.get(f"/parcours/{pathway_id}").get_data(as_text=True)
    assert "Rendez-vous manqué sans excuse" in history
    task_page = client.get(f"/taches/{world.open_item(pathway_id)}").get_data(as_text=True)
    listed = task_page.split('id="task-appointments"', 1)[1].split("</ul>", 1)[0]
    assert "Absent non excusé" in listed and "Excusé" in listed  # why the task is still open

    again = _book(client, person_id, pathway_id, day="2026-01-09")  # the task still asks for it
    _attend(_on(world, 9), person_id, again, "venu")
    assert _items(world, pathway_id)[0] == ("Entretien de diagnostic", "completed", "conseiller")


def _idle(world: World, pathway_id: int) -> tuple[datetime | None, datetime | None]:
    with world.sessions() as session:
        row = session.get(Pathway, pathway_id)
        assert row is not None
        return row.measure_planned_until, row.idle_stall_at


def test_a_booked_appointment_counts_as_planned_only_where_the_programme_says_so(world: World) -> None:
    started = world.clock.now()
    planned_id, planned_person = _start(world, "rdv_planifie")
    plain_id, plain_person = _start(world, "rdv_simple")
    assert _idle(world, planned_id) == (None, started + timedelta(days=30))
    client = world.client("conseiller")
    booked = _book(client, planned_person, planned_id, day="2026-01-20")
    _book(client, plain_person, plain_id, day="2026-01-21")

    end_of_day = datetime(2026, 1, 20, 23, 0, tzinfo=UTC)  # Paris midnight after the appointment
    assert _idle(world, planned_id) == (end_of_day, end_of_day + timedelta(days=30))
    assert _idle(world, plain_id) == (None, started + timedelta(days=30))  # no opt-in: idle as before

    cancelled = client.post(
        f"/personnes/{planned_person}/rendez-vous/{booked}/annuler", {"reason": "demande_personne"}
    )
    assert cancelled.status_code == 303
    assert _idle(world, planned_id) == (None, started + timedelta(days=30))
    with world.sessions() as session:
        assert session.get(Appointment, booked) is not None


def test_through_the_api_the_attendance_completes_the_task_and_completing_it_by_hand_is_refused(
    world: World,
) -> None:
    pathway_id, person_id = _start(world)
    api = world.api("conseiller")
    item_id = world.open_item(pathway_id)
    by_hand = api.post(f"/work-items/{item_id}/complete", {"data": {}})
    assert by_hand.status_code == 409
    booking = {"kind": "diagnostic", "day": "2026-01-07", "at": "14:00", "duration_minutes": 60}
    booked = api.post(
        "/appointments",
        {**booking, "mode": "telephone", "beneficiary_id": person_id, "pathway_id": pathway_id},
    )
    assert booked.status_code in (200, 201), booked.get_json()
    world.clock.set(datetime(2026, 1, 7, 13, 5, tzinfo=UTC))
    base = f"/beneficiaries/{person_id}/appointments/{booked.get_json()['id']}"
    held = world.api("conseiller").post(f"{base}/attendance", {"attendance": "venu"})
    assert held.status_code == 200
    assert _items(world, pathway_id)[0] == ("Entretien de diagnostic", "completed", "conseiller")
