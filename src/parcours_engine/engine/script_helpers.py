"""What model code can call: date helpers, and the guards RestrictedPython's compiled code calls.

Date helpers are offered to every BPMN script, gateway condition and timer expression.
Modellers write French pathways whose rules are about dates: an age at entry, a review "18 months
after the diagnosis", a deadline "at the end of the month". Form data arrives as JSON, so dates are
usually ISO strings: every helper takes a `date`, a `datetime` or an ISO string.

Time is read from the clock of the current context (`timers.current_clock()`), never from the wall
clock, so tests and replays move time by moving a `FrozenClock`. Calendar dates are Europe/Paris
dates: a pathway deadline "today" means today in France, whatever the server's zone.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterable, Iterator
from datetime import date, datetime, time, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta
from RestrictedPython import PrintCollector
from RestrictedPython.Guards import full_write_guard, guarded_unpack_sequence, safer_getattr_raise

from parcours_engine.domain.errors import ScriptError
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

# Attributes of date/datetime that read the wall clock (or the server's zone) behind the clock's back.
WALL_CLOCK_ATTRIBUTES = frozenset({"today", "now", "utcnow", "fromtimestamp", "utcfromtimestamp"})


# --- guards called by restricted code ---------------------------------------------------------------

# One run (a script, a condition) may take this many items from loops and comprehensions in all.
MAX_ITERATIONS = 10_000
MAX_RANGE = 10_000
# Largest string/list/tuple `+` and `*` may build, and largest integer `*`, `**` and `<<` may build.
MAX_SEQUENCE_LENGTH = 1_000_000
MAX_INT_BITS = 100_000

GUARDED_BINOPS: dict[type[ast.operator], str] = {ast.Add: "+", ast.Mult: "*", ast.Pow: "**", ast.LShift: "<<"}
_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "*": operator.mul,
    "**": operator.pow,
    "<<": operator.lshift,
}
_INPLACE: dict[str, Callable[[Any, Any], Any]] = {
    "+=": operator.iadd,
    "-=": operator.isub,
    "*=": operator.imul,
    "/=": operator.itruediv,
    "//=": operator.ifloordiv,
    "%=": operator.imod,
    "**=": operator.ipow,
    "<<=": operator.ilshift,
    ">>=": operator.irshift,
    "|=": operator.ior,
    "^=": operator.ixor,
    "&=": operator.iand,
}
_SEQUENCES = (str, bytes, list, tuple)


def _check_growth(op: str, left: Any, right: Any) -> None:
    """Refuse an operation whose result would be too large, before computing it."""
    too_big = False
    if op == "+" and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        too_big = len(left) + len(right) > MAX_SEQUENCE_LENGTH
    elif op == "*":
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, _SEQUENCES) and isinstance(times, int):
                too_big = too_big or len(seq) * times > MAX_SEQUENCE_LENGTH
        if isinstance(left, int) and isinstance(right, int):
            too_big = too_big or left.bit_length() + right.bit_length() > MAX_INT_BITS
    elif op == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
        too_big = max(left.bit_length(), 1) * right > MAX_INT_BITS
    elif op == "<<" and isinstance(left, int) and isinstance(right, int):
        too_big = left.bit_length() + right > MAX_INT_BITS
    if too_big:
        raise ScriptError(f"the result of '{op}' would be too large")


def guarded_binop(op: str, left: Any, right: Any) -> Any:
    _check_growth(op, left, right)
    return _BINOPS[op](left, right)


def guarded_inplacevar(op: str, left: Any, right: Any) -> Any:
    """`x += y` and friends (RestrictedPython rewrites them to this call)."""
    if op not in _INPLACE:
        raise ScriptError(f"operator {op!r} is not allowed")
    _check_growth(op[:-1], left, right)
    return _INPLACE[op](left, right)


def guarded_getattr(obj: object, name: str) -> Any:
    """RestrictedPython's `safer_getattr` (no `_` names, no str.format), minus the wall clock."""
    is_date_class = isinstance(obj, type) and issubclass(obj, date)
    if name in WALL_CLOCK_ATTRIBUTES and (isinstance(obj, date) or is_date_class):
        raise ScriptError(f"'{name}' reads the server clock: use today() or now()")
    return safer_getattr_raise(obj, name)


def guarded_getitem(obj: Any, key: Any) -> Any:
    return obj[key]


def bounded_range(*args: int) -> range:
    """`range`, refused when longer than MAX_RANGE (builtins such as sum() iterate it uncounted)."""
    result = range(*args)
    if len(result) > MAX_RANGE:
        raise ScriptError(f"range() is limited to {MAX_RANGE} items")
    return result


def guarded_apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _unpack_sequence(it: Any, spec: dict[str, Any], _getiter_: Any) -> list[Any]:
    # Unpacking a value already in memory (`a, b = pair`) needs no counting.
    return guarded_unpack_sequence(it, spec, iter)


class _RunBudget:
    """The iteration budget of one run, shared by all its loops and comprehensions."""

    def __init__(self) -> None:
        self.left = MAX_ITERATIONS

    def getiter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        return self._counted(iter(iterable))

    def _counted(self, iterator: Iterator[Any]) -> Iterator[Any]:
        for item in iterator:
            self.left -= 1
            if self.left < 0:
                raise ScriptError(f"loops are limited to {MAX_ITERATIONS} iterations per script")
            yield item

    def iter_unpack(self, iterable: Iterable[Any], spec: dict[str, Any], _getiter_: Any) -> Iterator[Any]:
        for item in self.getiter(iterable):
            yield guarded_unpack_sequence(item, spec, iter)


_SAFE_BUILTINS: dict[str, Any] = {
    "None": None,
    "True": True,
    "False": False,
    **{f.__name__: f for f in (len, min, max, sum, abs, round, sorted, any, all, isinstance)},
    **{t.__name__: t for t in (int, float, str, bool, list, dict, set, tuple, enumerate, zip)},
    "range": bounded_range,
    **HELPERS,
    "_getattr_": guarded_getattr,
    "_getitem_": guarded_getitem,
    "_write_": full_write_guard,
    "_inplacevar_": guarded_inplacevar,
    "_binop_": guarded_binop,
    "_apply_": guarded_apply,
    "_unpack_sequence_": _unpack_sequence,
    "_print_": PrintCollector,  # print() output is collected and dropped
}


def run_builtins() -> dict[str, Any]:
    """Fresh `__builtins__` for one run: the allow-list plus a new iteration budget."""
    budget = _RunBudget()
    return {**_SAFE_BUILTINS, "_getiter_": budget.getiter, "_iter_unpack_sequence_": budget.iter_unpack}
