"""What model code can call: the date helpers (the guards of compiled code are in `guards.py`).

Date helpers are offered to every BPMN script, gateway condition and timer expression.
Modellers write French pathways whose rules are about dates: an age at entry, a review "18 months
after the diagnosis", a deadline "at the end of the month". Form data arrives as JSON, so dates are
usually ISO strings: every helper takes a `date`, a `datetime` or an ISO string.

Time is read from the clock of the current context (`timers.current_clock()`), never from the wall
clock, so tests and replays move time by moving a `FrozenClock`. Calendar dates are Europe/Paris
dates: a pathway deadline "today" means today in France, whatever the server's zone.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from dateutil.relativedelta import relativedelta

from parcours_engine.engine.timers import PARIS, current_clock

DateLike = date | datetime | str


def _as_date(value: DateLike, what: str = "date") -> date:
    """Coerce a helper argument to a calendar date (aware datetimes are read in Europe/Paris)."""
    if isinstance(value, datetime):
        return value.astimezone(PARIS).date() if value.tzinfo is not None else value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_date(value)
    raise TypeError(f"{what} must be a date or an ISO date string, not {type(value).__name__}")


def _as_int(value: int, what: str) -> int:
    # bool is an int subclass: `add_days(d, True)` is certainly a modelling mistake.
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{what} must be a whole number, not {type(value).__name__}")
    return value


def today() -> date:
    """Today's date in France (Europe/Paris), from the engine's clock."""
    return current_clock().now().astimezone(PARIS).date()


def now() -> datetime:
    """The current instant from the engine's clock, as an aware datetime in Europe/Paris."""
    return current_clock().now().astimezone(PARIS)


def parse_date(value: str) -> date:
    """Read an ISO date string ("2026-01-31"); a full ISO datetime gives its Europe/Paris date."""
    if not isinstance(value, str):
        raise TypeError(f"parse_date expects a string, not {type(value).__name__}")
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        return _as_date(datetime.fromisoformat(text))
    except ValueError:
        raise ValueError(f"not an ISO date: {value!r} (expected YYYY-MM-DD)") from None


def age_at(birth_date: DateLike, at_date: DateLike | None = None) -> int:
    """Age in whole years on `at_date` (default: today). Someone born on 29 February turns one
    year older on 28 February in common years, consistent with `add_years`."""
    born = _as_date(birth_date, "birth_date")
    at = today() if at_date is None else _as_date(at_date, "at_date")
    if at < born:
        raise ValueError(f"age_at: {at.isoformat()} is before the birth date {born.isoformat()}")
    return relativedelta(at, born).years


def add_days(d: DateLike, n: int) -> date | datetime:
    """`d` plus `n` days (negative to go back). A datetime stays a datetime; a string gives a date."""
    value = d if isinstance(d, date) else _as_date(d)
    return value + timedelta(days=_as_int(n, "n"))


def add_months(d: DateLike, n: int) -> date | datetime:
    """`d` plus `n` calendar months; the day is clamped to the month's end (31 Jan + 1 → 28/29 Feb)."""
    value = d if isinstance(d, date) else _as_date(d)
    return value + relativedelta(months=_as_int(n, "n"))


def add_years(d: DateLike, n: int) -> date | datetime:
    """`d` plus `n` years; 29 February becomes 28 February in a common year."""
    value = d if isinstance(d, date) else _as_date(d)
    return value + relativedelta(years=_as_int(n, "n"))


def days_between(a: DateLike, b: DateLike) -> int:
    """Number of days from `a` to `b` (negative when `b` is before `a`)."""
    return (_as_date(b, "b") - _as_date(a, "a")).days


def months_between(a: DateLike, b: DateLike) -> int:
    """Whole calendar months from `a` to `b` (negative when `b` is before `a`), counted the way
    `add_months` steps: 31 January to 28 February is one month, so that
    `months_between(d, add_months(d, n)) == n` always holds."""
    start, end = _as_date(a, "a"), _as_date(b, "b")
    months = (end.year - start.year) * 12 + end.month - start.month
    if months > 0 and start + relativedelta(months=months) > end:
        months -= 1
    elif months < 0 and start + relativedelta(months=months) < end:
        months += 1
    return months


def iso(value: DateLike | timedelta) -> str:
    """ISO 8601 text for a timer or for task data.

    A date becomes midnight Europe/Paris with its offset ("2026-03-01T00:00:00+01:00"), a naive
    datetime is read in Europe/Paris, an aware one keeps its offset, a timedelta becomes an ISO
    duration ("P3DT3600S"), and a string is parsed and normalised the same way.
    """
    if isinstance(value, timedelta):
        return iso_duration(value)
    if isinstance(value, str):
        text = value.strip()
        value = datetime.fromisoformat(text) if "T" in text.upper() else parse_date(text)
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=PARIS)
        return aware.isoformat()
    if isinstance(value, date):
        return datetime.combine(value, time(0), PARIS).isoformat()
    raise TypeError(f"iso expects a date, a datetime or a timedelta, not {type(value).__name__}")


def iso_duration(delta: timedelta) -> str:
    """An ISO 8601 duration SpiffWorkflow can parse ("P2D", "PT90S", "P1DT30S")."""
    if delta < timedelta(0):
        raise ValueError("a timer duration cannot be negative")
    seconds: float = delta.seconds + delta.microseconds / 1_000_000
    if seconds == int(seconds):
        seconds = int(seconds)
    text = "P" + (f"{delta.days}D" if delta.days else "")
    if seconds or not delta.days:
        text += f"T{seconds}S"
    return text


# The allow-list exposed to models, by the name modellers type.
HELPERS: dict[str, object] = {
    "today": today,
    "now": now,
    "age_at": age_at,
    "add_days": add_days,
    "add_months": add_months,
    "add_years": add_years,
    "days_between": days_between,
    "months_between": months_between,
    "parse_date": parse_date,
    "iso": iso,
    # The classes themselves, so that `date(2026, 1, 31)` and `isinstance(x, date)` work; their
    # wall-clock constructors (date.today, datetime.now...) are refused by the attribute guard.
    "date": date,
    "datetime": datetime,
    "timedelta": timedelta,
}
