"""How large a value is, measured without building it: the text `str()` would make of it
(`text_size`), and whether the data a script leaves can be saved (`check_data`: how many values, how
deep, how large a number), so that saving it can neither blow up nor hit a recursion limit."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from parcours_engine.engine import budgets
from parcours_engine.engine.budgets import BudgetExceeded

TEXT = (str, bytes)
# JSON (the saved state) cannot write an integer of more digits than Python converts to text.
_MAX_SAVED_INT_BITS = int(4_000 * 3.32)


def text_size(value: Any, limit: int) -> int:
    """About how many characters `str(value)` has; stops counting past `limit` (returns limit + 1).

    Shared references count each time they appear, as they would in the text: `[a] * 1000` where
    `a` is a long list is a long text, even though it is small in memory.
    """
    total, stack = 0, [value]
    while stack:
        item = stack.pop()
        if isinstance(item, TEXT):
            total += len(item) + 3
        elif isinstance(item, bool) or item is None:
            total += 5
        elif isinstance(item, int):
            total += item.bit_length() // 3 + 2
        elif isinstance(item, Mapping):
            total += 2 + 2 * len(item)
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set, frozenset)):
            total += 2 + 2 * len(item)
            stack.extend(item)
        else:
            total += 40  # floats, dates, helpers: short texts
        if total > limit:
            return limit + 1
    return total


def check_data(values: Mapping[str, Any]) -> None:
    """Refuse data a script would leave that cannot be saved: too many values, too deep, huge numbers."""
    limits = budgets.current()
    count, stack = len(values), [(value, 1) for value in values.values() if _needs_walk(value)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, int):
            raise BudgetExceeded("int_bits", "a number of more than 4,000 digits cannot be saved")
        if depth > limits.depth:
            raise BudgetExceeded("depth", "the data the script leaves is nested too deeply to save")
        children = item.values() if isinstance(item, Mapping) else item
        count += len(item)
        if count > limits.data_items:
            raise BudgetExceeded("data_items", "the data the script leaves is too large to save")
        stack.extend((child, depth + 1) for child in children if _needs_walk(child))
    if count > limits.data_items:
        raise BudgetExceeded("data_items", "the data the script leaves is too large to save")


def _needs_walk(value: Any) -> bool:
    if isinstance(value, (Mapping, list, tuple, set, frozenset)):
        return True
    return isinstance(value, int) and value.bit_length() > _MAX_SAVED_INT_BITS
