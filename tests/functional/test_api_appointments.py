"""Appointments in /api/v1 (issue 17): list, book, move, cancel and record attendance with a bearer
token, the same rules and rights as the pages, in the OpenAPI document."""

from __future__ import annotations

from datetime import UTC, datetime

from parcours_engine.web.api.openapi import document
from tests.functional.conftest import World
from tests.functional.test_permissions import person_of

BOOKING = {"kind": "suivi", "day": "2026-01-07", "at": "14:00", "duration_minutes": 60, "mode": "telephone"}


def test_the_api_books_moves_cancels_and_records_attendance(world: World) -> None:
    person_id = person_of(world, world.start())
    api = world.api("conseiller")
    base = f"/beneficiaries/{person_id}/appointments"
    booked = api.post("/appointments", {**BOOKING, "beneficiary_id": person_id})
    assert booked.status_code == 201, booked.get_json()
    found = booked.get_json()
    assert (found["starts_at"], found["status"], found["revision"]) == (
        "2026-01-07T13:00:00+00:00",
        "planned",
        1,
    )
    assert booked.headers["Location"].endswith(base)
    clash = api.post("/appointments", {**BOOKING, "beneficiary_id": person_id, "at": "14:30"})
    assert clash.status_code == 409 and clash.get_json()["code"] == "appointment.conflict"
    wrong = api.post("/appointments", {**BOOKING, "beneficiary_id": person_id, "at": "25:00", "extra": 1})
    assert wrong.status_code == 400 and {"extra"} <= set(wrong.get_json()["field_errors"])
    moved = api.post(
        f"{base}/{found['id']}/move", {"day": "2026-01-08", "at": "09:30", "duration_minutes": 30}
    )
    assert moved.status_code == 200 and moved.get_json()["revision"] == 2
    assert api.post(f"{base}/{found['id']}/attendance", {"attendance": "venu"}).status_code == 409  # not yet
    second = api.post("/appointments", {**BOOKING, "beneficiary_id": person_id}).get_json()
    assert api.post(f"{base}/{second['id']}/cancel", {"reason": "autre"}).get_json()["status"] == "cancelled"
    world.clock.set(datetime(2026, 1, 8, 9, 0, tzinfo=UTC))
    held = world.api("conseiller").post(f"{base}/{found['id']}/attendance", {"attendance": "excuse"})
    assert held.status_code == 200 and held.get_json()["attendance"] == "excuse"
    listed = world.api("conseiller").get(base).get_json()["items"]
    assert [item["id"] for item in listed] == [found["id"], second["id"]]  # latest start first
    for username in ("collegue", "superviseur", "ailleurs"):
        assert world.api(username).get(base).status_code in (403, 404), username
        refused = world.api(username).post("/appointments", {**BOOKING, "beneficiary_id": person_id})
        assert refused.status_code in (403, 404), username
    operations = {op.get("operationId") for path in document()["paths"].values() for op in path.values()}
    assert {
        "listAppointments",
        "bookAppointment",
        "moveAppointment",
        "cancelAppointment",
        "recordAttendance",
    } <= operations
