"""The methods that grow a value (`ljust`, `center`, `zfill`, `expandtabs`, `replace`, `join`,
`translate`, `encode`, `to_bytes`, `list.extend`, `dict.update`...): for each, a sizer that says how
large its result would be, and `Sized`, the bound method a run hands model code, which asks the run
(`Run.grow`) before calling it."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from parcours_engine.engine.data_size import TEXT

if TYPE_CHECKING:
    from parcours_engine.engine.guards import Run


class Sized:
    """A growing method bound to its object: sizes its result before calling it."""

    __slots__ = ("method", "obj", "run", "sizer", "what")

    def __init__(self, run: Run, method: Any, obj: Any, sizer: Callable[..., int], what: str) -> None:
        self.run, self.method, self.obj, self.sizer, self.what = run, method, obj, sizer, what

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self.sizer is _join and args and not isinstance(args[0], (list, tuple)):
            args = (list(args[0]), *args[1:])  # a generator can repeat one long text: size it first
        try:
            size = self.sizer(self.obj, *args, **kwargs)
        except TypeError:
            size = 0  # wrong arguments: let the method itself say so
        self.run.grow(size, self.what)
        return self.method(*args, **kwargs)


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def _padded(s: Any, width: Any = 0, *_: Any) -> int:
    return max(len(s), _int(width))


def _padded_int(_number: Any, length: Any = 1, *_: Any, **__: Any) -> int:
    return _int(length)


def _expandtabs(s: Any, tabsize: Any = 8) -> int:
    tab = b"\t" if isinstance(s, bytes) else "\t"
    return len(s) + s.count(tab) * max(_int(tabsize), 0)


def _replace(s: Any, old: Any, new: Any, count: Any = -1) -> int:
    if not isinstance(old, type(s)) or not isinstance(new, type(s)):
        return len(s)
    times = s.count(old) if old else len(s) + 1
    if isinstance(count, int) and count >= 0:
        times = min(times, count)
    return len(s) + times * max(len(new) - len(old), 0)


def _join(s: Any, iterable: Any) -> int:
    items = iterable if isinstance(iterable, (list, tuple)) else ()
    return sum(len(i) for i in items if isinstance(i, TEXT)) + len(s) * max(len(items) - 1, 0)


def _translate(s: Any, table: Any) -> int:
    if not isinstance(table, Mapping):
        return len(s) * 1_000  # a table that is not a dict: assume the worst
    longest = max((len(v) for v in table.values() if isinstance(v, TEXT)), default=1)
    return len(s) * max(longest, 1)


def _encode(s: Any, *_: Any, **__: Any) -> int:
    return 4 * len(s)


def _extend(target: Any, other: Any) -> int:
    return len(target) + (len(other) if hasattr(other, "__len__") else 0)


GROWING: dict[tuple[type, str], Callable[..., int]] = {
    **{(kind, name): _padded for kind in TEXT for name in ("ljust", "rjust", "center", "zfill")},
    **{(kind, "expandtabs"): _expandtabs for kind in TEXT},
    **{(kind, "replace"): _replace for kind in TEXT},
    **{(kind, "join"): _join for kind in TEXT},
    **{(kind, "translate"): _translate for kind in TEXT},
    (str, "encode"): _encode,
    (int, "to_bytes"): _padded_int,
    (bool, "to_bytes"): _padded_int,
    (list, "extend"): _extend,
    (dict, "update"): _extend,
    (set, "update"): _extend,
}
GROWING_TYPES = frozenset(kind for kind, _ in GROWING)
