"""The unit of work is the only code that begins, commits and rolls back (issue 12).

The first wave committed in `persistence/db.py`, rolled back in `web/app.py` and in three views, and
each copy handled races differently. This test reads the source: a transaction call anywhere else
fails it, with the one exception below and its reason.
"""

from __future__ import annotations

import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "parcours_engine"
# A savepoint (`begin_nested`) lives inside the unit and never ends it: allowed (demo data tries each
# programme in one).
CALL = re.compile(r"\.(commit|rollback|begin)\(\)")
ALLOWED = {
    # The one unit of work.
    "persistence/uow.py",
    # The web door ends the request's UnitOfWork (`UnitOfWork.commit`, never a session's).
    "web/app.py",
    # The scheduler's leadership is a PostgreSQL session-level advisory lock held on a connection of
    # its own for the life of the process: not a unit of work, it writes nothing.
    "scheduler/jobs.py",
}


def test_only_the_unit_of_work_touches_transactions():
    found = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts and str(path.relative_to(SRC)) not in ALLOWED
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if CALL.search(line)
    ]
    assert found == []
