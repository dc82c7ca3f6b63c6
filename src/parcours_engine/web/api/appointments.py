"""Appointments in /api/v1 (issue 17): a person's list, book, move, cancel, record attendance; the
caller's "Relancer la personne" follow-ups still to do.

The same use cases and rights as the pages (READ_APPOINTMENTS, BOOK_APPOINTMENT); times are a Paris
date and an `HH:MM` time in, UTC instants out. Their part of the OpenAPI document:
`appointments_doc`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, url_for
from flask.typing import ResponseReturnValue

from parcours_engine.appointments import agenda, appointments, follow_ups
from parcours_engine.domain.errors import FieldError, InvalidInput
from parcours_engine.persistence.models.appointments import Appointment
from parcours_engine.web.agenda.forms import read_time
from parcours_engine.web.api import bp
from parcours_engine.web.api.inputs import json_body
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.counsellors import route_name

_BASE = "/beneficiaries/<int:person_id>/appointments"


@bp.get(_BASE)
def list_appointments(person_id: int) -> ResponseReturnValue:
    rows = agenda.of_person(db_session(), clock(), current_account(), person_id, route_name())
    return jsonify({"items": [_appointment(row.appointment) for row in rows]})


@bp.post("/appointments")
def book_appointment() -> ResponseReturnValue:
    """Book for the person the body names (its own path would share the list's, and an id out of range
    there would answer 405 instead of 404)."""
    data = json_body(
        {"beneficiary_id": int, "kind": str, "day": date, "at": str, "duration_minutes": int, "mode": str},
        {"place": str, "counsellor_id": int, "pathway_id": int},
    )
    person_id = data["beneficiary_id"]
    given = appointments.Booking(
        kind=data["kind"],
        slot=_slot(data),
        mode=data["mode"],
        place=data.get("place"),
        counsellor_id=data.get("counsellor_id"),
        pathway_id=data.get("pathway_id"),
    )
    booked = appointments.book(db_session(), clock(), current_account(), person_id, given, route_name())
    location = url_for("api.list_appointments", person_id=person_id)
    return jsonify(_appointment(booked)), 201, {"Location": location}


@bp.post(f"{_BASE}/<int:appointment_id>/move")
def move_appointment(person_id: int, appointment_id: int) -> ResponseReturnValue:
    data = json_body({"day": date, "at": str, "duration_minutes": int}, {})
    moved = appointments.move(
        db_session(), clock(), current_account(), person_id, appointment_id, _slot(data), route_name()
    )
    return jsonify(_appointment(moved))


@bp.post(f"{_BASE}/<int:appointment_id>/cancel")
def cancel_appointment(person_id: int, appointment_id: int) -> ResponseReturnValue:
    data = json_body({"reason": str}, {})
    done = appointments.cancel(
        db_session(), clock(), current_account(), person_id, appointment_id, data["reason"], route_name()
    )
    return jsonify(_appointment(done))


@bp.post(f"{_BASE}/<int:appointment_id>/attendance")
def record_attendance(person_id: int, appointment_id: int) -> ResponseReturnValue:
    data = json_body({"attendance": str}, {})
    done = appointments.record_attendance(
        db_session(), clock(), current_account(), person_id, appointment_id, data["attendance"], route_name()
    )
    return jsonify(_appointment(done))


@bp.get("/follow-ups")
def list_follow_ups() -> ResponseReturnValue:
    rows = follow_ups.listed(db_session(), clock(), current_account(), route_name())
    return jsonify(
        {
            "items": [
                {
                    "id": row.follow_up.id,
                    "beneficiary_id": row.follow_up.beneficiary_id,
                    "pathway_id": row.follow_up.pathway_id,
                    "appointment_id": row.follow_up.appointment_id,
                    "missed_at": row.missed_at.isoformat(),
                    "due_at": row.follow_up.due_at.isoformat(),
                    "overdue": row.overdue,
                }
                for row in rows
            ]
        }
    )


def _slot(data: dict[str, Any]) -> appointments.Slot:
    at = read_time(data["at"])
    if at is None:
        raise InvalidInput(field_errors={"at": [FieldError("appointment.time")]})
    return appointments.Slot(data["day"], at, data["duration_minutes"])


def _appointment(found: Appointment) -> dict[str, Any]:
    return {
        "id": found.id,
        "beneficiary_id": found.beneficiary_id,
        "pathway_id": found.pathway_id,
        "counsellor_id": found.counsellor_id,
        "kind": found.kind,
        "mode": found.mode,
        "place": found.place,
        "starts_at": found.starts_at.isoformat(),
        "ends_at": found.ends_at.isoformat(),
        "duration_minutes": found.duration_minutes,
        "status": found.status,
        "attendance": found.attendance,
        "cancel_reason": found.cancel_reason,
        "revision": found.revision,
    }
