"""The one reading of a date typed by a person or sent by a client.

Pages send ISO dates (`<input type="date">`), people sometimes type `15/01/2026`, API clients send
ISO: `parse_date` takes both and answers with field-error codes of the catalogue (`field.required`,
`field.date`, `field.date_before`, `field.date_after`), never an English sentence. Bounds keep
impossible dates out (a diagnostic in 2031, a birth in 1850).
"""

from __future__ import annotations

import re
from datetime import date

from parcours_engine.domain.errors import FieldError, InvalidInput

_FRENCH = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$")
_ISO = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})\s*$")


def read_date(raw: object) -> date | None:
    """The date `raw` names (ISO `2026-01-15` or French `15/01/2026`), else None."""
    if isinstance(raw, date):
        return raw
    if not isinstance(raw, str):
        return None
    if found := _ISO.match(raw):
        year, month, day = (int(part) for part in found.groups())
    elif found := _FRENCH.match(raw):
        day, month, year = (int(part) for part in found.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def date_error(
    raw: object, *, required: bool = True, earliest: date | None = None, latest: date | None = None
) -> FieldError | None:
    """What is wrong with `raw` as a date between `earliest` and `latest`, or None."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return FieldError("field.required") if required else None
    value = read_date(raw)
    if value is None:
        return FieldError("field.date")
    if earliest is not None and value < earliest:
        return FieldError("field.date_after", limit=earliest.strftime("%d/%m/%Y"))
    if latest is not None and value > latest:
        return FieldError("field.date_before", limit=latest.strftime("%d/%m/%Y"))
    return None


def parse_date(
    raw: object,
    field: str,
    *,
    required: bool = True,
    earliest: date | None = None,
    latest: date | None = None,
) -> date | None:
    """The date in `raw`, or InvalidInput naming `field`; None when optional and empty."""
    problem = date_error(raw, required=required, earliest=earliest, latest=latest)
    if problem is not None:
        raise InvalidInput(field_errors={field: [problem]})
    return read_date(raw)


def parse_period(start: date, end: date, end_field: str) -> tuple[date, date]:
    """A period whose end is not before its start, or InvalidInput on `end_field`."""
    if end < start:
        raise InvalidInput(field_errors={end_field: [FieldError("field.period_reversed")]})
    return start, end
