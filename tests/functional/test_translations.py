"""The English catalog covers every French message, and the committed .mo matches the .po."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

WEB = Path(__file__).resolve().parents[2] / "src" / "parcours_engine" / "web"
CATALOG = WEB / "translations" / "en" / "LC_MESSAGES"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]


def _po():
    with (CATALOG / "messages.po").open("rb") as handle:
        return read_po(handle)


def test_every_message_of_the_code_has_an_english_translation():
    catalog = _po()
    found = {
        msg
        for _f, _l, msg, _c, _x in extract_from_dir(str(WEB), METHODS, keywords={"_": None, "gettext": None})
    }
    missing = sorted(m for m in found if isinstance(m, str) and (m not in catalog or not catalog[m].string))
    assert missing == []


def test_the_compiled_catalog_matches_its_source():
    source = {m.id: m.string for m in _po() if m.id}
    compiled = read_mo(io.BytesIO((CATALOG / "messages.mo").read_bytes()))
    assert {m.id: m.string for m in compiled if m.id} == source
