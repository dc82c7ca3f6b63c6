"""The guards RestrictedPython's compiled model code calls, holding each evaluation to its budgets.

Model code has no `while`, no functions and no `try` (see `scripting._ModelPolicy`), so it can only
spend time in counted `for` loops and comprehensions, and memory through the operations guarded
here. Each evaluation gets a fresh `Run` (its deadline, its loop turns, what it built so far):

- time: the deadline is checked at every loop turn, attribute access and guarded operation, and
  a transition's own deadline (`transition_budget.transition`) caps every evaluation inside it;
- memory: every operation that can build a large value checks the result's size *before* building
  it: `+ * ** << %` on strings, lists and numbers, the growing string methods (`ljust`, `center`,
  `zfill`, `expandtabs`, `replace`, `join`, `translate`...), `list.extend`, `dict.update`, `str()` of
  containers, f-string widths and `%` widths (the growing methods' sizers are in `growing_methods.py`,
  the sizes of values in `data_size.py`); the sizes add up to the evaluation's allocation budget;
- quadratic builtins: `sum()` adds numbers only (summing lists is quadratic);
- the data a script leaves is measured before it is kept (`data_size.check_data`): how many values,
  how deep, how large a number, so that saving it can neither blow up nor hit a recursion limit.

`transition`, `count_step` and `check_data` are re-exported here for the engine's callers.
"""

from __future__ import annotations

import ast
import operator
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from typing import Any

from RestrictedPython.Guards import full_write_guard, guarded_unpack_sequence, safer_getattr_raise

from parcours_engine.domain.errors import ScriptError
from parcours_engine.engine import budgets
from parcours_engine.engine.budgets import BudgetExceeded, Budgets
from parcours_engine.engine.data_size import TEXT, check_data, text_size
from parcours_engine.engine.growing_methods import GROWING, GROWING_TYPES, Sized
from parcours_engine.engine.script_helpers import HELPERS
from parcours_engine.engine.transition_budget import count_step, current_deadline, transition

__all__ = [
    "GUARDED_BINOPS",
    "WALL_CLOCK_ATTRIBUTES",
    "Run",
    "check_data",
    "count_step",
    "guarded_apply",
    "guarded_getitem",
    "recursion_headroom",
    "run_builtins",
    "transition",
]

GUARDED_BINOPS: dict[type[ast.operator], str] = {
    ast.Add: "+",
    ast.Mult: "*",
    ast.Pow: "**",
    ast.LShift: "<<",
    ast.Mod: "%",
}
_BINOPS: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "*": operator.mul,
    "**": operator.pow,
    "<<": operator.lshift,
    "%": operator.mod,
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
# Attributes of date/datetime that read the wall clock (or the server's zone) behind the clock's back.
WALL_CLOCK_ATTRIBUTES = frozenset({"today", "now", "utcnow", "fromtimestamp", "utcfromtimestamp"})
# `%` conversions: flags, then a width and a precision that may be `*` (taken from the arguments).
_PERCENT_SPEC = re.compile(rb"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")
_DIGITS = re.compile(r"\d+")
# How often (seconds) a running evaluation hands the interpreter over to the process's other threads.
_YIELD_EVERY = 0.001


def _width(spec: str) -> int:
    return max((int(d) for d in _DIGITS.findall(spec)), default=0)


# --- one evaluation ----------------------------------------------------------------------------


class Run:
    """The budgets of one evaluation (a script, a condition, a timer expression)."""

    def __init__(self, limits: Budgets) -> None:
        self.limits = limits
        self.deadline = time.monotonic() + limits.script_ms / 1000
        self.transition_deadline = current_deadline()
        self.turns_left = limits.iterations
        self.allocated = 0
        self.yielded_at = time.monotonic()

    # -- time --

    def tick(self) -> None:
        now = time.monotonic()
        if now - self.yielded_at > _YIELD_EVERY:
            # Let the other threads of the process (requests, /healthz) have the interpreter now
            # rather than at the next forced switch: a long evaluation must not slow the others down.
            time.sleep(0)
            self.yielded_at = now
        if now > self.deadline:
            raise BudgetExceeded("script_ms", "the evaluation took too long")
        if self.transition_deadline is not None and now > self.transition_deadline:
            raise BudgetExceeded("transition_ms", "the transition took too long")

    # -- memory --

    def grow(self, size: int, what: str) -> None:
        """About to build a value of `size` characters or items: refuse it if over budget."""
        if size > self.limits.sequence_length:
            raise BudgetExceeded("sequence_length", f"the result of {what} would be too large")
        self.allocated += max(size, 0)
        if self.allocated > self.limits.allocated:
            raise BudgetExceeded("allocated", f"{what}: the evaluation builds too much")
        self.tick()

    def _check_binop(self, op: str, left: Any, right: Any) -> None:
        bits = self.limits.int_bits
        if op == "+" and isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
            self.grow(len(left) + len(right), "'+'")
        elif op == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, _SEQUENCES) and isinstance(times, int):
                    self.grow(len(seq) * times, "'*'")
            if (
                isinstance(left, int)
                and isinstance(right, int)
                and left.bit_length() + right.bit_length() > bits
            ):
                raise BudgetExceeded("int_bits", "the result of '*' would be too large")
        elif op == "**" and isinstance(left, int) and isinstance(right, int) and right > 0:
            if max(left.bit_length(), 1) * right > bits:
                raise BudgetExceeded("int_bits", "the result of '**' would be too large")
        elif op == "<<" and isinstance(left, int) and isinstance(right, int):
            if left.bit_length() + right > bits:
                raise BudgetExceeded("int_bits", "the result of '<<' would be too large")
        elif op == "%" and isinstance(left, TEXT):
            self._check_percent(left, right)
        else:
            self.tick()

    def _check_percent(self, template: str | bytes, args: Any) -> None:
        raw = template.encode("utf-8", "replace") if isinstance(template, str) else template
        widest = 0
        for match in _PERCENT_SPEC.finditer(raw):
            for part in match.groups():
                if part == b"*":
                    raise BudgetExceeded("sequence_length", "'%' widths taken from the arguments ('*')")
                widest = max(widest, int(part or 0))
        size = len(template) + widest + text_size(args, self.limits.sequence_length)
        self.grow(size, "'%'")

    def binop(self, op: str, left: Any, right: Any) -> Any:
        self._check_binop(op, left, right)
        return _BINOPS[op](left, right)

    def inplacevar(self, op: str, left: Any, right: Any) -> Any:
        """`x += y` and friends (RestrictedPython rewrites them to this call)."""
        if op not in _INPLACE:
            raise BudgetExceeded("sequence_length", f"operator {op!r}")
        self._check_binop(op[:-1], left, right)
        return _INPLACE[op](left, right)

    def format_value(self, value: Any, conversion: int, spec: str) -> str:
        """One `{value!conversion:spec}` of an f-string, its width checked before formatting."""
        if conversion == ord("r"):
            value = (
                repr(value)
                if text_size(value, self.limits.sequence_length) <= self.limits.sequence_length
                else value
            )
        elif conversion in (ord("s"), ord("a")):
            value = self.to_str(value)
        self.grow(max(_width(spec), text_size(value, self.limits.sequence_length)), "an f-string")
        return format(value, spec)

    def to_str(self, value: Any = "", *args: Any) -> str:
        """`str(...)`, refused when the text would be too large (a list repeating a long list...)."""
        if not isinstance(value, str):
            self.grow(text_size(value, self.limits.sequence_length), "str()")
        return str(value, *args) if args else str(value)

    # -- loops --

    def getiter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        return self._counted(iter(iterable))

    def _counted(self, iterator: Iterator[Any]) -> Iterator[Any]:
        for item in iterator:
            self.turns_left -= 1
            if self.turns_left < 0:
                raise BudgetExceeded("iterations", "loops are limited")
            self.tick()
            yield item

    def iter_unpack(self, iterable: Iterable[Any], spec: dict[str, Any], _getiter_: Any) -> Iterator[Any]:
        for item in self.getiter(iterable):
            yield guarded_unpack_sequence(item, spec, iter)

    def range(self, *args: int) -> range:
        """`range`, refused when longer than the loop budget (builtins such as sum() iterate it uncounted)."""
        result = range(*args)
        if len(result) > self.limits.iterations:
            raise BudgetExceeded("iterations", "range() is limited")
        return result

    def sum(self, iterable: Iterable[Any], start: Any = 0) -> Any:
        """`sum` of numbers; adding lists this way is quadratic: write a loop."""
        items = iterable if isinstance(iterable, (list, tuple, range)) else list(self.getiter(iterable))
        numbers = (int, float)
        if not isinstance(start, numbers) or not all(isinstance(item, numbers) for item in items):
            raise ScriptError("sum() adds numbers only (use a loop to join lists)")
        self.tick()
        return sum(items, start)

    # -- attributes: growing methods are wrapped --

    def getattr(self, obj: object, name: str) -> Any:
        """RestrictedPython's `safer_getattr` (no `_` names, no str.format), minus the wall clock."""
        self.tick()
        is_date_class = isinstance(obj, type) and issubclass(obj, date)
        if name in WALL_CLOCK_ATTRIBUTES and (isinstance(obj, date) or is_date_class):
            raise ScriptError(f"'{name}' reads the server clock: use today() or now()")
        value = safer_getattr_raise(obj, name)
        sizer = GROWING.get((type(obj), name)) if type(obj) in GROWING_TYPES else None
        if sizer is None:
            return value
        return Sized(self, value, obj, sizer, f".{name}()")


class _DroppedPrint:
    """`print()` in model code: nothing is converted, nothing is kept."""

    def __init__(self, _getattr_: Any = None) -> None:
        pass

    def _call_print(self, *objects: Any, **kwargs: Any) -> None:
        pass

    def __call__(self) -> str:
        return ""


class _StrMeta(type):
    """Makes a run's `str` stand in for `str`: `isinstance(x, str)` keeps its meaning."""

    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, str)

    def __subclasscheck__(cls, subclass: type) -> bool:
        return issubclass(subclass, str)


def _guarded_str(run: Run) -> type:
    return _StrMeta("str", (), {"__new__": staticmethod(lambda cls, *args: run.to_str(*args))})


def guarded_getitem(obj: Any, key: Any) -> Any:
    return obj[key]


def guarded_apply(func: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    return func(*args, **kwargs)


def _unpack_sequence(it: Any, spec: dict[str, Any], _getiter_: Any) -> list[Any]:
    # Unpacking a value already in memory (`a, b = pair`) needs no counting.
    return guarded_unpack_sequence(it, spec, iter)


_SAFE_BUILTINS: dict[str, Any] = {
    "None": None,
    "True": True,
    "False": False,
    **{f.__name__: f for f in (len, min, max, abs, round, sorted, any, all, isinstance)},
    **{t.__name__: t for t in (int, float, bool, list, dict, set, tuple, enumerate, zip)},
    **HELPERS,
    "_getitem_": guarded_getitem,
    "_write_": full_write_guard,
    "_apply_": guarded_apply,
    "_unpack_sequence_": _unpack_sequence,
    "_print_": _DroppedPrint,
}


def run_builtins(limits: Budgets | None = None) -> dict[str, Any]:
    """Fresh `__builtins__` for one evaluation: the allow-list plus the guards of a new `Run`."""
    run = Run(limits or budgets.current())
    return {
        **_SAFE_BUILTINS,
        "str": _guarded_str(run),
        "range": run.range,
        "sum": run.sum,
        "_getattr_": run.getattr,
        "_getiter_": run.getiter,
        "_iter_unpack_sequence_": run.iter_unpack,
        "_inplacevar_": run.inplacevar,
        "_binop_": run.binop,
        "_format_value_": run.format_value,
    }


def recursion_headroom() -> int:
    """How deep an expression Python can still compile here (a generous margin below the limit)."""
    return max(sys.getrecursionlimit() // 4, 50)
