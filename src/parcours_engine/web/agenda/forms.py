"""Reading the booking forms: a Paris date, a time, a duration, each with its field error."""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, time
from typing import Any, cast

from parcours_engine.appointments import appointments
from parcours_engine.domain.dates import parse_date
from parcours_engine.domain.errors import FieldError, FieldErrors, InvalidInput
from parcours_engine.web.params import whole_number

_TIME = re.compile(r"^\s*(\d{1,2})[:hH](\d{2})\s*$")


def read_time(raw: str | None) -> time | None:
    found = _TIME.match(raw or "")
    if not found:
        return None
    hours, minutes = (int(part) for part in found.groups())
    return time(hours, minutes) if hours < 24 and minutes < 60 else None


def slot(form: Mapping[str, str]) -> appointments.Slot:
    """The date, time and duration of a booking form; every field error at once."""
    errors: FieldErrors = {}
    day: date | None = None
    try:
        day = cast(date, parse_date(form.get("day"), "day"))
    except InvalidInput as error:
        errors.update(error.field_errors)
    at = read_time(form.get("at"))
    if at is None:
        errors["at"] = [FieldError("appointment.time")]
    duration: int | None = None
    try:
        duration = whole_number(form, "duration_minutes")
    except InvalidInput as error:
        errors.update(error.field_errors)
    if duration is None and "duration_minutes" not in errors:
        errors["duration_minutes"] = [FieldError("field.required")]
    if errors:
        raise InvalidInput(field_errors=errors)
    assert day is not None and at is not None and duration is not None
    return appointments.Slot(day, at, duration)


def booking(form: Mapping[str, str]) -> tuple[appointments.Booking, FieldErrors]:
    """The booking a form describes, and the errors of the fields it could not read (the use case
    adds those of the others: every error at once)."""
    errors: FieldErrors = {}
    found: dict[str, Any] = {}
    for name in ("counsellor_id", "pathway_id"):
        try:
            found[name] = whole_number(form, name)
        except InvalidInput as error:
            errors.update(error.field_errors)
            found[name] = None
    when: appointments.Slot | None = None
    try:
        when = slot(form)
    except InvalidInput as error:
        errors.update(error.field_errors)
    given = appointments.Booking(
        kind=form.get("kind", ""),
        slot=when,
        mode=form.get("mode", ""),
        place=form.get("place") or None,
        counsellor_id=found["counsellor_id"],
        pathway_id=found["pathway_id"],
    )
    return given, errors
