"""Statuses, roles and lanes are named by their enums (domain/enums.py), never by bare strings.

Issue 12 counted 51 and 41 such literals outside `domain/`: a typo in one ("complete" for
"completed") silently matches nothing. This test reads the source for a comparison or assignment of a
status, role, team or lane to a literal of those closed lists.
"""

from __future__ import annotations

import re
from pathlib import Path

from parcours_engine.domain.enums import AccountRole, Lane, PathwayStatus, WorkItemStatus

SRC = Path(__file__).resolve().parents[2] / "src" / "parcours_engine"
VALUES = "|".join(
    sorted({str(m) for enum in (AccountRole, Lane, PathwayStatus, WorkItemStatus) for m in enum})
)
LITERAL = re.compile(rf"(status|role|team|lane)\s*(==|!=|=)\s*[\"']({VALUES})[\"']")


def test_no_status_role_or_lane_is_compared_with_a_bare_string():
    found = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in sorted(SRC.rglob("*.py"))
        if "domain" not in path.relative_to(SRC).parts[:1] and "migrations" not in path.parts
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if LITERAL.search(line)
    ]
    assert found == []
