"""Name what a model's code did wrong by a catalogue code (`domain.script_messages`), keeping the English.

The checker refuses code with the host's own words, RestrictedPython's and Python's; a run fails with
Python's exceptions and the engine's budgets. Each known kind becomes a `Said` (a code, its parameters
and the English words as they were), so a French screen reads French and the command line prints what
it always printed. RestrictedPython's and Python's wordings are matched here, at the edge, and nowhere
else.
"""

from __future__ import annotations

import re
from typing import Any

from parcours_engine.domain.errors import ScriptError
from parcours_engine.domain.script_messages import Said
from parcours_engine.engine.budgets import BudgetExceeded, current


class Refusal(str):
    """A refusal as the checker prints it (`line N: ...`), holding what it says for other languages:
    `said` (the first refusal, without its line) and `line` (None when the text has no line)."""

    said: Said
    line: int | None

    def __new__(cls, text: str, said: Said | None = None, line: int | None = None) -> Refusal:
        made = super().__new__(cls, text)
        made.said, made.line = said or Said.of("script.not_allowed", text), line
        return made

    def __reduce__(
        self,
    ) -> tuple[type[Refusal], tuple[str, Said, int | None]]:  # copy and pickle keep it whole
        return (Refusal, (str(self), self.said, self.line))


# RestrictedPython's own refusals (its transformer's wording), beside the host policy's.
_RESTRICTED: list[tuple[re.Pattern[str], str, tuple[str, ...]]] = [
    (
        re.compile(r'^"(?P<name>[^"]+)" is an invalid variable name because it starts with "_"'),
        "script.underscore_name",
        ("name",),
    ),
    (
        re.compile(r'^"(?P<name>[^"]+)" is an invalid attribute name because it starts with "_"'),
        "script.underscore_attribute",
        ("name",),
    ),
    (re.compile(r'^"(?P<name>[^"]+)" is a reserved name'), "script.reserved_name", ("name",)),
    (re.compile(r"^Augmented assignment of"), "script.augmented_item", ()),
    (re.compile(r"^(?:Exec|Eval) calls are not allowed"), "script.not_allowed", ()),
]

# Python's syntax errors, by the start of their message.
_SYNTAX: list[tuple[re.Pattern[str], str]] = [
    (
        re.compile(r"was never closed|^unmatched|does not match opening|^closing parenthesis"),
        "script.syntax_bracket",
    ),
    (re.compile(r"^unterminated|^EOL while scanning|^EOF while scanning"), "script.syntax_string"),
    (re.compile(r"indent"), "script.syntax_indent"),
    (re.compile(r"^expected ':'"), "script.syntax_colon"),
    (re.compile(r"^cannot assign|^cannot delete|Maybe you meant '=='"), "script.syntax_assign"),
]

# The engine's own words in a ScriptError that carries no code (guards and timer values).
_ENGINE: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"^sum\(\) adds numbers only"), "script.sum_numbers"),
    (re.compile(r"^'(?P<name>[^']+)' reads the server clock"), "script.server_clock"),
    (re.compile(r"^the timer expression gave (?P<value>.+), which is not an ISO 8601"), "script.timer_value"),
    (
        re.compile(r"^the loop cardinality gave (?P<value>.+), which is not a whole number"),
        "script.cardinality",
    ),
    # the runtime's own failures between two steps (engine.runtime)
    (
        re.compile(r"^the programme reached its end without an outcome: set '?(?P<key>[^'\s]+)"),
        "script.no_outcome",
    ),
    (re.compile(r"^the pathway stopped without reaching an end event"), "script.no_end"),
]

# json's decoding errors, by the start of their message.
_JSON: list[tuple[str, str]] = [
    ("Expecting value", "detail.json_value"),
    ("Expecting ',' delimiter", "detail.json_comma"),
    ("Expecting ':' delimiter", "detail.json_colon"),
    ("Expecting property name", "detail.json_name"),
    ("Unterminated string", "detail.json_string"),
    ("Invalid control character", "detail.json_string"),
    ("Invalid \\escape", "detail.json_string"),
    ("Extra data", "detail.json_extra"),
]

TIMER_EXAMPLES = {
    "timeDate": "2026-01-31T09:00:00+01:00",
    "timeDuration": "P18M, P2W, PT4H",
    "timeCycle": "R3/P1M",
}


def refused(code: str, english: str, **params: Any) -> Said:
    """One of the host policy's refusals."""
    return Said.of(code, english, **params)


def restricted(info: str) -> Said:
    """A refusal in RestrictedPython's words."""
    for pattern, code, names in _RESTRICTED:
        found = pattern.search(info)
        if found:
            return Said.of(code, info, **{name: found.group(name) for name in names})
    return Said.of("script.not_allowed", info)


def syntax(message: str) -> Said:
    """A syntax error in Python's words (SyntaxError.msg)."""
    for pattern, code in _SYNTAX:
        if pattern.search(message):
            return Said.of(code, message)
    return Said.of("script.syntax", message)


def too_deep(english: str, limit: int) -> Said:
    return Said.of("script.too_deep", english, limit=f"{limit:,}")


def over_budget(over: BudgetExceeded) -> Said:
    return Said.of(f"script.budget.{over.budget}", str(over), limit=f"{getattr(current(), over.budget):,}")


def timer_empty(english: str) -> Said:
    return Said.of("script.timer_empty", english)


def timer_not_iso(english: str, value: str, kind: str) -> Said:
    return Said.of("script.timer_not_iso", english, value=value, example=TIMER_EXAMPLES[kind])


def failure(exc: BaseException) -> tuple[Said, int | None]:
    """What failed in a run, from the engine's failure down to the model code's own error, and the line
    of the script where it happened when the engine knows it. The English is the failure's own text."""
    line: int | None = None
    current_exc: BaseException | None = exc
    seen: set[int] = set()
    while current_exc is not None and id(current_exc) not in seen:
        seen.add(id(current_exc))
        line = line or getattr(current_exc, "line_number", None) or None
        said = _known(current_exc)
        if said is not None:
            return said, line
        inner = getattr(current_exc, "exception", None)
        if not isinstance(inner, BaseException):  # SpiffWorkflow raises its own inside `except`
            inner = current_exc.__cause__ or current_exc.__context__
        current_exc = inner
    return _engine_words(str(exc)) or Said.of("script.failed", str(exc)), line


def _engine_words(english: str) -> Said | None:
    for pattern, code in _ENGINE:
        found = pattern.search(english)
        if found:
            return Said.of(code, english, **found.groupdict())
    return None


def _known(exc: BaseException) -> Said | None:
    english = str(exc)
    if isinstance(exc, BudgetExceeded):
        return over_budget(exc)
    if isinstance(exc, ScriptError):
        detail = exc.params.get("detail")
        if isinstance(detail, Refusal):
            return Said(detail.said.code, detail.said.params, english)
        return _engine_words(english)
    if isinstance(exc, ZeroDivisionError):
        return Said.of("script.division_by_zero", english)
    if isinstance(exc, NameError) and getattr(exc, "name", None):
        return Said.of("script.undefined_name", english, name=exc.name)
    if isinstance(exc, KeyError) and exc.args:
        return Said.of("script.missing_key", english, key=str(exc.args[0]))
    if isinstance(exc, AttributeError) and getattr(exc, "name", None):
        return Said.of("script.no_attribute", english, name=exc.name)
    if isinstance(exc, IndexError):
        return Said.of("script.index", english)
    if isinstance(exc, TypeError):
        return Said.of("script.wrong_types", english)
    if isinstance(exc, ValueError):
        return Said.of("script.bad_value", english)
    if isinstance(exc, SyntaxError):
        return syntax(exc.msg or "")
    return None


def library_words(kind: str, english: str) -> Said:
    """What lxml (`xml`, `xsd`), SpiffWorkflow (`spiff`), re (`regex`) or jsonschema (`schema`) said
    about a model: one French sentence for each kind, the library's English kept."""
    return Said.of(f"detail.{kind}", english)


def json_error(message: str) -> Said:
    """A form file that is not JSON, in json's words (JSONDecodeError.msg)."""
    for start, code in _JSON:
        if message.startswith(start):
            return Said.of(code, message)
    return Said.of("detail.json", message)
