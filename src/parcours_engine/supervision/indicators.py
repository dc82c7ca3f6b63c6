"""What supervisors read, per programme and period: set-based SQL on SQLite and PostgreSQL alike.

People present ("file active") are the beneficiaries with a pathway of the programme open at some
moment of the period; entries are pathways started in it, exits pathways ended in it, by outcome
(`domain/outcomes.py` says which are positive and which are "emploi durable"). Breakdowns count
people. Idle time between measures comes from `idle_period` (written by the projection); its median
and 90th percentile are nearest-rank percentiles computed in SQL with ROW_NUMBER and COUNT windows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import groupby
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    case,
    func,
    or_,
    select,
    true,
)
from sqlalchemy.orm import Session

from parcours_engine.domain import supervision as rules
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import PathwayStatus
from parcours_engine.domain.errors import FieldError, FieldErrors, InvalidInput
from parcours_engine.domain.outcomes import OUTCOMES
from parcours_engine.engine.timers import PARIS
from parcours_engine.persistence.models import (
    Account,
    IdlePeriod,
    Objective,
    Pathway,
    ProcessVersion,
    WaitingElement,
)
from parcours_engine.persistence.models.figures import ProgrammePerson

POSITIVE = tuple(o.code for o in OUTCOMES if o.positive)
DURABLE = tuple(o.code for o in OUTCOMES if o.durable_employment)
# An objective of entries: a year of this range, at most this many entries (beyond, a typo).
FIRST_YEAR, LAST_YEAR = 2000, 2100
MAX_OBJECTIVE = 1_000_000


@dataclass(frozen=True)
class Period:
    """Whole days, both ends included, in French time."""

    start: date
    end: date

    @classmethod
    def year(cls, year: int) -> Period:
        return cls(date(year, 1, 1), date(year, 12, 31))

    @property
    def since(self) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=PARIS).astimezone(UTC)

    @property
    def until(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=PARIS).astimezone(UTC)


@dataclass(frozen=True)
class Breakdown:
    people: int
    women: int
    men: int
    below_baccalaureat: int
    priority_district: int
    renforce: int


@dataclass(frozen=True)
class Spread:
    """How long the closed idle waits lasted: how many, median and 90th percentile, in days."""

    count: int
    median_days: float | None
    p90_days: float | None


@dataclass(frozen=True)
class Indicators:
    programme: str
    period: Period
    present: Breakdown
    entries: Breakdown
    objective: int | None
    exits_by_outcome: dict[str, int]
    idle_between_measures: Spread
    caseloads: list[tuple[int | None, str | None, int]] = field(default_factory=list)

    @property
    def exits(self) -> int:
        return sum(self.exits_by_outcome.values())

    @property
    def positive_exits(self) -> int:
        return sum(n for code, n in self.exits_by_outcome.items() if code in POSITIVE)

    @property
    def durable_employment_exits(self) -> int:
        return sum(n for code, n in self.exits_by_outcome.items() if code in DURABLE)

    def share(self, part: int) -> float | None:
        return part / self.exits if self.exits else None


def indicators(
    session: Session,
    programme: str,
    period: Period,
    structure_id: int | None = None,
    caseload_limit: int | None = None,
) -> Indicators:
    """Every figure of the dashboard for one programme and period (a handful of queries), for one
    structure's pathways or, with `structure_id` None, every structure's; with `caseload_limit`, only
    that many of the largest caseloads (a page shows a few, an export all of them)."""
    present, entries = breakdowns(session, programme, period, structure_id)
    return Indicators(
        programme=programme,
        period=period,
        present=present,
        entries=entries,
        objective=objective(session, programme, period.start.year, structure_id),
        exits_by_outcome=exits_by_outcome(session, programme, period, structure_id),
        idle_between_measures=idle_spread(session, programme, period, structure_id),
        caseloads=caseloads(session, programme, structure_id, caseload_limit),
    )


def _in_structure(column: Any, structure_id: int | None) -> ColumnElement[bool]:
    return true() if structure_id is None else column == structure_id


def _present(programme: str, period: Period, structure_id: int | None) -> ColumnElement[bool]:
    return (
        (Pathway.programme == programme)
        & (Pathway.started_at < period.until)
        & or_(Pathway.ended_at.is_(None), Pathway.ended_at >= period.since)
        & _in_structure(Pathway.structure_id, structure_id)
    )


def breakdowns(
    session: Session, programme: str, period: Period, structure_id: int | None = None
) -> tuple[Breakdown, Breakdown]:
    """People present and people who entered, by sex, qualification, district and "renforcé".

    The profile is the person's at entry, copied on the pathway. Two queries: the present pathways
    counted per profile (one pass over the covering ix_pathway_programme_profile, a few dozen rows,
    no sort), then the rows of the few people with several present pathways, who were counted once
    per pathway and are taken back to once; those people are found among the ones with several
    pathways of the programme at all (`programme_person`, kept by triggers), not by grouping every
    present pathway by person. The rules (which levels
    are below the baccalauréat, which are "renforcé") apply in Python to those few rows: evaluating
    them on every pathway row costs SQLite more than the scan itself.
    """
    present = _present(programme, period, structure_id)
    entered = case((Pathway.started_at >= period.since, 1), else_=0)
    profile = (Pathway.entry_sex, Pathway.entry_qualification_level, Pathway.entry_priority_district)
    totals = [0] * 12
    per_profile = select(*profile, func.count(), func.sum(entered)).where(present).group_by(*profile)
    for sex, level, district, count, count_entered in session.execute(per_profile):
        before, after = _measures(sex, level, district, False), _measures(sex, level, district, True)
        for j in range(12):
            totals[j] += (count - count_entered) * before[j] + count_entered * after[j]
    repeat = select(ProgrammePerson.beneficiary_id).where(
        ProgrammePerson.programme == programme, ProgrammePerson.pathways > 1
    )
    several = (
        select(Pathway.beneficiary_id)
        .where(present, Pathway.beneficiary_id.in_(repeat))
        .group_by(Pathway.beneficiary_id)
        .having(func.count() > 1)
    )
    rows = session.execute(
        select(Pathway.beneficiary_id, *profile, entered)
        .where(present, Pathway.beneficiary_id.in_(several))
        .order_by(Pathway.beneficiary_id)
    )
    for _person, pathways in groupby(rows, key=lambda row: row[0]):
        measured = [_measures(*row[1:]) for row in pathways]
        for j in range(12):  # counted on each pathway, once for the person (when any pathway counts)
            totals[j] -= sum(m[j] for m in measured) - max(m[j] for m in measured)
    return Breakdown(*totals[:6]), Breakdown(*totals[6:])


def _measures(sex: str | None, level: str | None, district: bool | None, entered: Any) -> tuple[int, ...]:
    """What one pathway adds to the present and entries breakdowns (people, women, men, below
    baccalauréat, priority district, renforcé; then the same for entries)."""
    traits = (
        sex == "F",
        sex == "M",
        level in rules.BELOW_BACCALAUREAT,
        bool(district),
        level in rules.RENFORCE_LEVELS,
    )
    came = bool(entered)
    return (1, *map(int, traits), int(came), *(int(came and trait) for trait in traits))


def exits_by_outcome(
    session: Session, programme: str, period: Period, structure_id: int | None = None
) -> dict[str, int]:
    query = (
        select(Pathway.outcome, func.count())  # count(*): the id is not in ix_pathway_programme_ended
        .where(
            Pathway.programme == programme,
            Pathway.status == PathwayStatus.COMPLETED,
            Pathway.ended_at >= period.since,
            Pathway.ended_at < period.until,
            _in_structure(Pathway.structure_id, structure_id),
        )
        .group_by(Pathway.outcome)
    )
    found: dict[str, int] = {}
    for code, count in session.execute(query):  # one row per outcome; an end without one is "autre"
        found[code or "autre"] = found.get(code or "autre", 0) + int(count)
    return found


def caseloads(
    session: Session, programme: str | None = None, structure_id: int | None = None, limit: int | None = None
) -> list[tuple[int | None, str | None, int]]:
    """Active pathways per referent (None: not assigned yet), the largest first (the `limit` largest).

    Counted per referent first (index-only over the programme's active rows), then named: joining the
    accounts before grouping would make the database hash every pathway with its referent's name.
    """
    counts = (
        select(Pathway.referent_id.label("referent_id"), func.count().label("n"))
        .where(Pathway.status == PathwayStatus.ACTIVE, _in_structure(Pathway.structure_id, structure_id))
        .group_by(Pathway.referent_id)
    )
    if programme is not None:
        counts = counts.where(Pathway.programme == programme)
    per_referent = counts.subquery("per_referent")
    query = (
        select(per_referent.c.referent_id, Account.display_name, per_referent.c.n)
        .outerjoin(Account, Account.id == per_referent.c.referent_id)
        .order_by(per_referent.c.n.desc(), Account.display_name, per_referent.c.referent_id)
        .limit(limit)
    )
    return [(referent, name, int(count)) for referent, name, count in session.execute(query)]


def idle_spread(session: Session, programme: str, period: Period, structure_id: int | None = None) -> Spread:
    """Idle waits that ended in the period: count, median and 90th percentile (days)."""
    values = select(IdlePeriod.seconds.label("value")).where(
        IdlePeriod.programme == programme,
        IdlePeriod.ended_at >= period.since,
        IdlePeriod.ended_at < period.until,
        _in_structure(IdlePeriod.structure_id, structure_id),
    )
    count, p50, p90 = percentiles(session, values, (50, 90))

    def days(seconds: Any) -> float | None:
        return None if seconds is None else round(float(seconds) / 86400, 1)

    return Spread(count=count, median_days=days(p50), p90_days=days(p90))


def percentiles(session: Session, values: Select[Any], pcts: tuple[int, ...]) -> tuple[Any, ...]:
    """(count, value at each nearest-rank percentile) of the one column `value` of `values`.

    The nearest-rank percentile p of n sorted values is the value at rank ceil(p * n / 100).
    PostgreSQL computes it with its ordered-set aggregate percentile_disc (the first value whose
    cumulative share reaches p: the same rank), in one sort. SQLite has no such aggregate (and its
    window functions cost 5 to 10 times more): it sorts the values once and Python reads the ranks.
    """
    inner = values.subquery("v")
    if _has_percentile_disc(session):
        return tuple(session.execute(select(func.count(), *_percentile_disc(inner, pcts))).one())
    return _read_ranked(session, inner, pcts)


def grouped_percentiles(
    session: Session, values: Select, pcts: tuple[int, ...]
) -> dict[Any, tuple[Any, ...]]:
    """Per `grp` column of `values`: (count, value at each nearest-rank percentile of `value`)."""
    inner = values.subquery("v")
    if _has_percentile_disc(session):
        query = select(inner.c.grp, func.count(), *_percentile_disc(inner, pcts)).group_by(inner.c.grp)
        return {row[0]: tuple(row[1:]) for row in session.execute(query)}
    groups = session.scalars(select(inner.c.grp).distinct()).all()
    return {grp: _ranked(session, inner, pcts, inner.c.grp == grp) for grp in groups}


def _has_percentile_disc(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _percentile_disc(inner: Any, pcts: tuple[int, ...]) -> list[Any]:
    # PostgreSQL takes row ceil(fraction * n) in double precision: 0.28 * 25 is 7.000000000000001
    # there, row 8 where the nearest rank is 7. A fraction a hair below p/100 gives the exact rank:
    # p * n / 100 is either a whole number (the hair is dropped by ceil) or at least 0.01 above one.
    return [func.percentile_disc(pct / 100 - 1e-12).within_group(inner.c.value) for pct in pcts]


def _ranked(
    session: Session, inner: Any, pcts: tuple[int, ...], where: ColumnElement[bool]
) -> tuple[Any, ...]:
    """SQLite, one group of the overlay: count, then each rank with ORDER BY ... LIMIT 1 OFFSET,
    which walks ix_waiting_element_version_element (ordered by `since`) instead of sorting."""
    count = session.scalar(select(func.count()).select_from(inner).where(where)) or 0
    if count == 0:
        return (0, *(None for _ in pcts))
    ordered = select(inner.c.value).where(where).order_by(inner.c.value).limit(1)
    return (count, *(session.scalar(ordered.offset(rank - 1)) for rank in _ranks(pcts, count)))


def _read_ranked(session: Session, inner: Any, pcts: tuple[int, ...]) -> tuple[Any, ...]:
    """SQLite, values no index orders (idle waits filtered by date): sorted once, read back, the ranks
    taken in Python; cheaper than the two further sorts the OFFSET reads would make SQLite do
    (14,000 idle waits: 6.5 ms against 10.5)."""
    values = [row[0] for row in session.connection().execute(select(inner.c.value).order_by(inner.c.value))]
    if not values:
        return (0, *(None for _ in pcts))
    return (len(values), *(values[rank - 1] for rank in _ranks(pcts, len(values))))


def _ranks(pcts: tuple[int, ...], count: int) -> list[int]:
    return [-(-pct * count // 100) for pct in pcts]  # ceil(pct * count / 100), in integers


@dataclass(frozen=True)
class ElementWait:
    """How many active pathways wait at one element of a programme now, and their median wait."""

    element_id: str
    waiting: int
    median_days: float


def element_waits(
    session: Session, programme: str, now: datetime, structure_id: int | None = None
) -> dict[str, ElementWait]:
    """The diagram overlay: per element, the pathways waiting there now (on any version of the
    programme: element ids carry over between versions) and their median waiting time."""
    # Only active pathways wait somewhere: the projection deletes the positions of one that ends.
    versions = select(ProcessVersion.id).where(ProcessVersion.programme == programme)
    values = select(WaitingElement.element_id.label("grp"), WaitingElement.since.label("value")).where(
        WaitingElement.process_version_id.in_(versions),
        _in_structure(WaitingElement.structure_id, structure_id),
    )
    found = {}
    for element_id, (count, median_since) in grouped_percentiles(session, values, (50,)).items():
        days = (now - _aware(median_since)).total_seconds() / 86400
        found[element_id] = ElementWait(element_id, int(count), round(days, 1))
    return found


def _aware(value: datetime) -> datetime:
    # Timestamps are stored in UTC; a database may give them back without their zone.
    return value if value.tzinfo is not None else value.replace(tzinfo=UTC)


# --- objectives ------------------------------------------------------------------------------------


def objective(session: Session, programme: str, year: int, structure_id: int | None = None) -> int | None:
    """The entries aimed at: a structure's own objective; for every structure (None), the
    organisation's objective when one is set, else the sum of the structures' (None if none is)."""
    query = select(Objective.entries).where(Objective.programme == programme, Objective.year == year)
    if structure_id is not None:
        return session.scalar(query.where(Objective.structure_id == structure_id))
    own = session.scalar(query.where(Objective.structure_id.is_(None)))
    if own is not None:
        return own
    return session.scalar(
        select(func.sum(Objective.entries)).where(Objective.programme == programme, Objective.year == year)
    )


def set_objective(
    session: Session,
    clock: Clock,
    programme: str,
    year: int,
    entries: int,
    actor: str | None,
    structure_id: int | None = None,
) -> Objective:
    """Set how many entries `programme` aims at in `year` for a structure, or for the organisation
    (`structure_id` None), replacing a previous objective."""
    errors: FieldErrors = {}
    if entries < 0:
        errors["entries"] = [FieldError("field.minimum", limit=0)]
    if entries > MAX_OBJECTIVE:
        errors["entries"] = [FieldError("field.maximum", limit=MAX_OBJECTIVE)]
    if not FIRST_YEAR <= year <= LAST_YEAR:
        errors["year"] = [FieldError("field.between", low=FIRST_YEAR, high=LAST_YEAR)]
    if not programme.strip():
        errors["programme"] = [FieldError("field.required")]
    if errors:
        raise InvalidInput(field_errors=errors)
    row = session.scalar(
        select(Objective).where(
            Objective.programme == programme,
            Objective.year == year,
            Objective.structure_id.is_(None)
            if structure_id is None
            else Objective.structure_id == structure_id,
        )
    )
    if row is None:
        row = Objective(programme=programme, year=year, structure_id=structure_id, entries=entries)
        session.add(row)
    row.entries, row.updated_at, row.updated_by = entries, clock.now(), actor
    session.flush()
    return row
