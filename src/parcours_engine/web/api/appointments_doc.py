"""The appointments' part of the OpenAPI document (web.api.appointments' routes), joined by
`openapi.document`; built with the document's helpers (`openapi_helpers`)."""

from __future__ import annotations

from typing import Any

from parcours_engine.domain import appointments as rules
from parcours_engine.web.api.openapi_helpers import ID, body, items_of, json_answer, op, path_id, ref, text

_TIME = {"type": "string", "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]$", "description": "Paris time, HH:MM"}
_SLOT = {
    "day": {"type": "string", "format": "date", "description": "Paris date"},
    "at": _TIME,
    "duration_minutes": {"type": "integer", "minimum": rules.MIN_DURATION, "maximum": rules.MAX_DURATION},
}


def schemas() -> dict[str, Any]:
    nullable_id = {"type": ["integer", "null"]}
    return {
        "Appointment": {
            "type": "object",
            "required": ["id", "beneficiary_id", "counsellor_id", "kind", "mode", "starts_at", "ends_at"],
            "properties": {
                "id": {"type": "integer"},
                "beneficiary_id": {"type": "integer"},
                "pathway_id": nullable_id,
                "counsellor_id": {"type": "integer"},
                "kind": {"enum": list(rules.AppointmentKind)},
                "mode": {"enum": list(rules.AppointmentMode)},
                "place": {"type": ["string", "null"]},
                "starts_at": {"type": "string", "format": "date-time"},
                "ends_at": {"type": "string", "format": "date-time"},
                "duration_minutes": {"type": "integer"},
                "status": {"enum": list(rules.AppointmentStatus)},
                "attendance": {"enum": [*rules.Attendance, None]},
                "cancel_reason": {"enum": [*rules.CancelReason, None]},
                "revision": {"type": "integer"},
            },
        },
        "FollowUp": {
            "type": "object",
            "required": ["id", "beneficiary_id", "appointment_id", "missed_at", "due_at", "overdue"],
            "properties": {
                "id": {"type": "integer"},
                "beneficiary_id": {"type": "integer"},
                "pathway_id": nullable_id,
                "appointment_id": {"type": "integer"},
                "missed_at": {"type": "string", "format": "date-time"},
                "due_at": {"type": "string", "format": "date-time"},
                "overdue": {"type": "boolean"},
            },
        },
    }


def paths() -> dict[str, Any]:
    """The appointments' paths."""
    one = json_answer(ref("Appointment"), "the appointment")
    person = path_id("beneficiary_id")
    appointment = [person, path_id("appointment_id")]

    def change(summary: str, operation_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        schema = {
            "type": "object",
            "additionalProperties": False,
            "required": list(fields),
            "properties": fields,
        }
        return {
            "post": op(
                summary,
                {"200": one},
                400,
                404,
                409,
                operationId=operation_id,
                parameters=appointment,
                **body(schema),
            )
        }

    listing = items_of("Appointment")
    booking = {
        "type": "object",
        "additionalProperties": False,
        "required": ["beneficiary_id", "kind", "day", "at", "duration_minutes", "mode"],
        "properties": {
            "beneficiary_id": ID,
            "kind": {"enum": list(rules.AppointmentKind)},
            **_SLOT,
            "mode": {"enum": list(rules.AppointmentMode)},
            "place": text(rules.PLACE_LENGTH),
            "counsellor_id": ID,
            "pathway_id": ID,
        },
    }
    created = {
        "201": {
            **json_answer(ref("Appointment"), "booked"),
            "headers": {
                "Location": {"description": "the person's appointments", "schema": {"type": "string"}}
            },
        }
    }
    base = "/beneficiaries/{beneficiary_id}/appointments"
    return {
        base: {
            "get": op(
                "A person's appointments, newest first (the read is logged)",
                {"200": json_answer(listing, "the appointments")},
                404,
                operationId="listAppointments",
                parameters=[person],
            ),
        },
        "/follow-ups": {
            "get": op(
                "Your 'Relancer la personne' follow-ups still to do (unexcused absences to call back),"
                " the earliest due first",
                {"200": json_answer(items_of("FollowUp"), "the follow-ups")},
                operationId="listFollowUps",
            ),
        },
        "/appointments": {
            "post": op(
                "Book an appointment (a Paris date and time to come, within 07:00-21:00 and a year; an"
                " active counsellor of the person's structure, the caller by default; 409 when it"
                " overlaps another of the counsellor's)",
                created,
                400,
                404,
                409,
                operationId="bookAppointment",
                **body(booking),
            ),
        },
        base + "/{appointment_id}/move": change(
            "Move a planned appointment (a new convocation and new reminders are due)",
            "moveAppointment",
            _SLOT,
        ),
        base + "/{appointment_id}/cancel": change(
            "Cancel a planned appointment, for a reason of the list",
            "cancelAppointment",
            {"reason": {"enum": list(rules.CancelReason)}},
        ),
        base + "/{appointment_id}/attendance": change(
            "Record the attendance once the appointment has started (409 before)",
            "recordAttendance",
            {"attendance": {"enum": list(rules.Attendance)}},
        ),
    }
