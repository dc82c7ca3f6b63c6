"""Reviewing the access log (CNIL's 2021 recommendation on logging): a person's whole access history
for the staff who must answer them, and the accounts whose reads of files in a day exceed a threshold
("Accès inhabituels"), for admins to look into.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import distinct, func, select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.permissions import Action
from parcours_engine.passport import portal
from parcours_engine.persistence.models import AccessLog, Account

DEFAULT_READS_PER_DAY = 100  # files read by one account in one day above which an admin looks
REVIEW_DAYS = 30


def reads_per_day_threshold() -> int:
    return int(os.environ.get("PARCOURS_UNUSUAL_READS_PER_DAY", DEFAULT_READS_PER_DAY))


@dataclass(frozen=True)
class UnusualDay:
    day: date
    account_id: int
    who: str
    files_read: int


def history(
    session: Session, clock: Clock, actor: Account, person_id: int, route: str
) -> list[portal.AccessEntry]:
    """Every access to the person's file, newest first, for who may read it (READ_ACCESS_HISTORY)."""
    person = access.beneficiary_for(session, clock, actor, person_id, Action.READ_ACCESS_HISTORY, route)
    return portal.accesses(session, person.id, limit=100_000)


def unusual_access(
    session: Session, clock: Clock, actor: Account, threshold: int | None = None, days: int = REVIEW_DAYS
) -> list[UnusualDay]:
    """Days of the last `days` on which an account read more distinct files than `threshold`."""
    access.require(actor, Action.ADMINISTER)
    limit = reads_per_day_threshold() if threshold is None else threshold
    since = clock.now() - timedelta(days=days)
    # Counted by the database (one row per account and day over the threshold): thirty days of a
    # large service's log are millions of rows, which must not travel to Python.
    day = func.date(AccessLog.at)
    files = func.count(distinct(AccessLog.beneficiary_id))
    rows = session.execute(
        select(day, AccessLog.account_id, files)
        .where(AccessLog.at >= since, AccessLog.beneficiary_id.is_not(None), AccessLog.action != "refused")
        .group_by(day, AccessLog.account_id)
        .having(files > limit)
    ).all()
    counts = {(_as_date(d), account_id): n for d, account_id, n in rows}
    names = {
        a.id: a.display_name
        for a in session.scalars(select(Account).where(Account.id.in_({k[1] for k in counts})))
    }
    return [
        UnusualDay(on, account_id, names[account_id], count)
        for (on, account_id), count in sorted(counts.items(), key=lambda kv: (-kv[0][0].toordinal(), -kv[1]))
    ]


def _as_date(value: date | str) -> date:
    """SQLite's date() gives text, PostgreSQL's a date."""
    return value if isinstance(value, date) else date.fromisoformat(value)
