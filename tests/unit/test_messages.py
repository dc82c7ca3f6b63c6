"""Errors are codes rendered by one catalogue, in French and English, and the code uses only those.

Issue 12 found form errors travelling as jsonschema's English sentences matched by regexes, an admin
table keyed on English text, six date parsers and developer English on 403/400 pages. Here: every
code renders in both languages with the same parameters, and every error the code raises names a
code of the catalogue (an English sentence where a code belongs fails this test).
"""

from __future__ import annotations

import ast
import re
from datetime import date
from pathlib import Path

import pytest

from parcours_engine.domain.dates import parse_date, read_date
from parcours_engine.domain.errors import FieldError, InvalidInput
from parcours_engine.domain.messages import MESSAGES, render

SRC = Path(__file__).resolve().parents[2] / "src" / "parcours_engine"
PARAM = re.compile(r"%\((\w+)\)s")
ERRORS = {
    "ParcoursError",
    "NotFound",
    "Forbidden",
    "ConflictError",
    "InvalidInput",
    "Unavailable",
    "FieldError",
    "AlreadyDone",
}


@pytest.mark.parametrize("code", sorted(MESSAGES))
def test_every_code_renders_in_both_languages(code):
    french, english = MESSAGES[code]
    assert (french.strip() and english.strip() and french != english) or code == "error.conflict"
    assert set(PARAM.findall(french)) == set(PARAM.findall(english)), code
    params = {name: "X" for name in PARAM.findall(french)}
    for language in ("fr", "en"):
        text = render(code, params, language)
        assert text and "%(" not in text and text != code


def _raised_codes() -> list[tuple[str, int, str]]:
    """(file, line, text) of every code or message given to an error or field error in src/.

    The first argument, and every string in the field errors (second argument or `field_errors=`);
    an f-string reads as "<f-string>", which is never a code.
    """
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name not in ERRORS:
                continue
            where = str(path.relative_to(SRC))
            texts = list(node.args[:1])
            texts += [n for arg in node.args[1:2] for n in _field_error_items(arg)]
            texts += [
                n for kw in node.keywords if kw.arg == "field_errors" for n in _field_error_items(kw.value)
            ]
            for arg in texts:
                if isinstance(arg, ast.JoinedStr):
                    found.append((where, arg.lineno, "<f-string>"))
                elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.append((where, arg.lineno, arg.value))
    return found


def _field_error_items(node: ast.AST) -> list[ast.AST]:
    """The field errors given in a mapping: the items of its lists (`{"year": ["required"]}` gives
    "required"). Field names (the keys) are not codes, and a nested `FieldError(...)` is a call of its
    own, checked as such."""
    return [item for n in ast.walk(node) if isinstance(n, ast.List | ast.Tuple) for item in n.elts]


def test_every_error_raised_names_a_code_of_the_catalogue():
    unknown = [f"{file}:{line}: {value!r}" for file, line, value in _raised_codes() if value not in MESSAGES]
    assert unknown == []


def test_field_errors_render_in_the_reader_language():
    error = FieldError("field.minimum", limit=3)
    assert render(error.code, error.params, "fr") == "La valeur doit être au moins 3."
    assert render(error.code, error.params, "en") == "The value must be at least 3."


def test_one_date_parser_reads_iso_and_french_dates_and_says_what_is_wrong():
    assert read_date("2026-01-15") == read_date("15/01/2026") == date(2026, 1, 15)
    assert read_date("31/02/2026") is None and read_date("demain") is None
    with pytest.raises(InvalidInput) as missing:
        parse_date("", "ends_on")
    assert missing.value.field_errors == {"ends_on": [FieldError("field.required")]}
    with pytest.raises(InvalidInput) as future:
        parse_date("15/01/2031", "date_diagnostic", latest=date(2026, 12, 3))
    (problem,) = future.value.field_errors["date_diagnostic"]
    assert render(problem.code, problem.params, "fr") == "La date doit être au plus tard le 03/12/2026."
    assert parse_date(None, "x", required=False) is None
