"""Add English translations to the web catalog and compile it, keeping the catalog's order.

    .venv/bin/python tools/po_add.py < new.json      # {"French source": "English", ...}
    .venv/bin/python tools/po_add.py --missing       # list the messages still without English

Reads the messages of src/parcours_engine/web (Python and templates), adds the given translations,
drops the entries no code uses any more, writes messages.po (new entries at the end, unlike
`pybabel update`, which reorders the file) and compiles messages.mo. Exit status 1 while a message
has no translation.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

WEB = Path(__file__).resolve().parent.parent / "src" / "parcours_engine" / "web"
PO = WEB / "translations" / "en" / "LC_MESSAGES" / "messages.po"
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2")]


def main() -> int:
    with PO.open("rb") as handle:
        catalog = read_po(handle)
    used = {
        message
        for _f, _l, message, _c, _x in extract_from_dir(
            str(WEB), METHODS, keywords={"_": None, "gettext": None}
        )
        if isinstance(message, str)
    }
    if "--missing" not in sys.argv:
        for source, english in json.loads(sys.stdin.read() or "{}").items():
            catalog.add(source, english, flags=["python-format"] if "%(" in source else [])
        for message in list(catalog):
            if message.id and message.id not in used:
                print(f"dropped (no longer used): {message.id}")
                del catalog[message.id]
        with PO.open("wb") as handle:
            write_po(handle, catalog, width=110, no_location=True)
        with PO.with_suffix(".mo").open("wb") as handle:
            write_mo(handle, catalog)
    missing = sorted(m for m in used if m not in catalog or not catalog[m].string)
    for message in missing:
        print(f"missing: {message}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
