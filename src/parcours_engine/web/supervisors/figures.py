"""The dashboard's figures for the selected programmes and period: parsed from the query string, read
through supervision.indicators and passport.indicators, shaped as JSON (for /api/v1/indicators)
and as tables (for the page and its CSV exports). The page, the CSV and the API read the same figures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.accounts import accounts
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.dates import parse_date, parse_period
from parcours_engine.domain.enums import AccountRole
from parcours_engine.domain.errors import FieldError, InvalidInput
from parcours_engine.engine.timers import PARIS
from parcours_engine.passport import indicators as passport_indicators
from parcours_engine.persistence.models import Account, Structure
from parcours_engine.studio import versions
from parcours_engine.supervision import indicators
from parcours_engine.supervision.indicators import Breakdown, Indicators, Period

# Beyond, dates are typos (and year 1 overflows time zones).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)


@dataclass(frozen=True)
class ProgrammeFigures:
    code: str
    name: str
    figures: Indicators
    passport: dict[str, Any]


def period_from(args: Mapping[str, str], clock: Clock) -> Period:
    """`from` and `to` (ISO dates, both included); by default the current calendar year.

    A wrong date or a period ending before it starts is one InvalidInput naming the period, its field
    errors on `from` and `to` (domain.dates: the one date parser)."""
    this_year = Period.year(clock.now().astimezone(PARIS).year)
    try:
        start = _date(args, "from") or this_year.start
        end = _date(args, "to") or (
            this_year.end if start.year == this_year.start.year else date(start.year, 12, 31)
        )
        parse_period(start, end, "to")
    except InvalidInput as error:
        raise InvalidInput("supervision.period_invalid", error.field_errors) from None
    return Period(start, end)


def _date(args: Mapping[str, str], name: str) -> date | None:
    return parse_date(args.get(name), name, required=False, earliest=FIRST_DAY, latest=LAST_DAY)


def programmes_from(session: Session, args: Mapping[str, str]) -> dict[str, str]:
    """The programme asked for (code → name), or every published one."""
    published = versions.catalogue(session)
    code = args.get("programme") or ""
    if not code:
        return published
    if code not in published:
        raise InvalidInput(field_errors={"programme": [FieldError("programme.unknown")]})
    return {code: published[code]}


def structure_from(session: Session, args: Mapping[str, str], account: Account) -> Structure | None:
    """Whose figures: `structure` (a structure's code) for an admin, who reads every structure's
    without it; everyone else reads their own structure's (access.structure_scope)."""
    code = args.get("structure") or ""
    requested = accounts.structure_by_code(session, code) if code else None
    scope = access.structure_scope(account, requested.id if requested else None)
    return None if scope is None else session.get(Structure, scope)


def structures(session: Session, account: Account) -> list[Structure]:
    """The structures `account` may choose between (an admin: all of them; others: none to choose)."""
    if account.role != AccountRole.ADMIN:
        return []
    return list(session.scalars(select(Structure).order_by(Structure.name)))


def read(
    session: Session,
    programmes: dict[str, str],
    period: Period,
    structure: Structure | None,
    caseload_limit: int | None = None,
) -> list[ProgrammeFigures]:
    scope = None if structure is None else structure.id
    found = []
    for code, name in programmes.items():
        figures = indicators.indicators(session, code, period, scope, caseload_limit)
        passport = passport_indicators.indicators(
            session, code, period.start, period.end, scope, people=figures.present.people
        )
        found.append(ProgrammeFigures(code, name, figures, passport))
    return found


# --- JSON ------------------------------------------------------------------------------------------


def as_json(found: list[ProgrammeFigures], period: Period, structure: Structure | None) -> dict[str, Any]:
    return {
        "from": period.start.isoformat(),
        "to": period.end.isoformat(),
        "structure": None if structure is None else structure.code,
        "programmes": [_programme_json(item) for item in found],
    }


def _programme_json(item: ProgrammeFigures) -> dict[str, Any]:
    f = item.figures
    spread = f.idle_between_measures
    return {
        "programme": item.code,
        "name": item.name,
        "present": _breakdown(f.present),
        "entries": _breakdown(f.entries),
        "objective": f.objective,
        "exits": f.exits,
        "exits_by_outcome": dict(sorted(f.exits_by_outcome.items())),
        "positive_exits": f.positive_exits,
        "positive_share": f.share(f.positive_exits),
        "durable_employment_exits": f.durable_employment_exits,
        "durable_employment_share": f.share(f.durable_employment_exits),
        "idle_between_measures": {
            "count": spread.count,
            "median_days": spread.median_days,
            "p90_days": spread.p90_days,
        },
        "caseloads": [
            {"referent_id": referent, "referent_name": name, "active_pathways": count}
            for referent, name, count in f.caseloads
        ],
        "passport": item.passport,
    }


def _breakdown(b: Breakdown) -> dict[str, int]:
    return {
        "people": b.people,
        "women": b.women,
        "men": b.men,
        "below_baccalaureat": b.below_baccalaureat,
        "priority_district": b.priority_district,
        "renforce": b.renforce,
    }
