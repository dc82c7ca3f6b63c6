"""A small driver that walks one person through a programme of the real library, as users would.

Everything goes through the services (create_beneficiary, start_pathway, complete_work_item and the
scheduler's timers.fire_one_due) on a real database, with the injected FrozenClock moved for timers,
and every assertion reads what a screen reads: open work items (name, lane, form), the pathway's
status, outcome, current elements, idle_since and next_timer_due. A scenario reads like the pathway:

    s = Scenario(sessions, clock, "civis", birth_date=date(2006, 5, 1))
    s.do("Réaliser le premier accueil", ACCUEIL, lane="accueil")
    s.advance(days=30).fire_timers()
    assert s.outcome == "limite_age"

`complete_work_item` validates the submitted data against the task's form (pathways.forms.validate),
so a scenario that submits data its form rejects fails loudly with the field errors.

`publish_library` parses the whole library each time (~0.7 s); the parse is memoised per library
content for the test session (`cached_library`) so that each scenario stays cheap. The published
versions, hashes and stored files are exactly those of an unmemoised publish.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.accounts import accounts
from parcours_engine.domain.clock import FrozenClock
from parcours_engine.engine import loader
from parcours_engine.engine.runtime import Runtime
from parcours_engine.pathways import beneficiaries, models_cache, pathways, timers
from parcours_engine.persistence.models import Account, Pathway, WorkItem
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.studio import publishing
from tests.conftest import REPO
from tests.support.library import person_fields

_LIBRARIES: dict[str, loader.Library] = {}


def _cached_load_library(bpmn_files: Mapping[str, bytes], form_files: Mapping[str, bytes]) -> loader.Library:
    digest = hashlib.sha256()
    for files in (bpmn_files, form_files):
        for name in sorted(files):
            digest.update(name.encode() + b"\0" + files[name] + b"\0")
    key = digest.hexdigest()
    if key not in _LIBRARIES:
        _LIBRARIES[key] = loader.load_library(bpmn_files, form_files)
    return _LIBRARIES[key]


def publish_real_library(
    sessions: sessionmaker[Session], clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Publish processes/ and forms/ of this checkout, as `parcours-engine processes publish` does."""
    monkeypatch.setattr(publishing, "load_library", _cached_load_library)
    bpmn, forms = loader.read_library_dir(REPO / "processes", REPO / "forms")
    with unit_of_work(sessions) as session:
        publishing.publish_library(session, clock, bpmn, forms, "coordination")


def add_referent(
    sessions: sessionmaker[Session], clock: FrozenClock, username: str, routing_code: str
) -> int:
    """A counsellor whose routing code a model may name (IEJ's `csp_affecte`); their account id."""
    with unit_of_work(sessions) as session:
        account = accounts.create_account(
            session, clock, username=username, password=None, role="counsellor", routing_code=routing_code
        )
        return account.id


@dataclass(frozen=True)
class Task:
    """An open work item as the worklist shows it."""

    id: int
    element_id: str
    name: str
    lane: str | None
    form: str | None
    assignee_id: int | None
    due_at: datetime | None


@dataclass(frozen=True)
class View:
    """The pathway row as the screens read it."""

    id: int
    programme: str
    status: str
    outcome: str | None
    current: frozenset[str]
    idle_since: datetime | None
    next_timer_due: datetime | None
    referent_id: int | None
    ended_at: datetime | None


class Scenario:
    """One person in one programme, driven through the services."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        clock: FrozenClock,
        programme: str,
        *,
        beneficiary_id: int | None = None,
        **person: Any,
    ) -> None:
        self.sessions, self.clock, self.programme = sessions, clock, programme
        self._expected: Task | None = None
        with unit_of_work(sessions) as session:
            if beneficiary_id is None:
                beneficiary_id = beneficiaries.create_beneficiary(
                    session, clock, **person_fields(**person)
                ).id
            self.beneficiary_id = beneficiary_id
            self.id = pathways.start_pathway(session, clock, programme, beneficiary_id, "accueil").id

    # --- what a user sees ----------------------------------------------------------------------

    @property
    def pathway(self) -> View:
        with self.sessions() as session:
            row = session.get(Pathway, self.id)
            assert row is not None
            return View(
                row.id,
                row.programme,
                row.status,
                row.outcome,
                frozenset(filter(None, row.current_elements.split(","))),
                row.idle_since,
                row.next_timer_due,
                row.referent_id,
                row.ended_at,
            )

    @property
    def status(self) -> str:
        return self.pathway.status

    @property
    def outcome(self) -> str | None:
        return self.pathway.outcome

    @property
    def current(self) -> frozenset[str]:
        return self.pathway.current

    def open_tasks(self) -> list[Task]:
        with self.sessions() as session:
            rows = session.scalars(
                select(WorkItem)
                .where(WorkItem.pathway_id == self.id, WorkItem.status == "open")
                .order_by(WorkItem.id)
            )
            return [Task(r.id, r.element_id, r.name, r.lane, r.form, r.assignee_id, r.due_at) for r in rows]

    def open_task_names(self) -> list[str]:
        return [task.name for task in self.open_tasks()]

    def expect_task(self, task: str, *, lane: str | None = None, form: str | None = None) -> Task:
        """The one open work item named `task` (its French name or its element id)."""
        found = [t for t in self.open_tasks() if task in (t.name, t.element_id)]
        assert len(found) == 1, (
            f"{self.programme}: expected one open task {task!r}; open: {self.open_task_names()}, "
            f"current elements: {sorted(self.current)}, status: {self.status}"
        )
        item = found[0]
        if lane is not None:
            assert item.lane == lane, f"{task!r} is in lane {item.lane!r}, expected {lane!r}"
        if form is not None:
            assert item.form == form, f"{task!r} has form {item.form!r}, expected {form!r}"
        self._expected = item
        return item

    def expect_no_task(self, task: str) -> None:
        names = [n for t in self.open_tasks() for n in (t.name, t.element_id)]
        assert task not in names, f"{self.programme}: {task!r} should not be open; open: {names}"

    def data(self) -> dict[str, Any]:
        """The workflow's data: what the host reads to route a pathway (csp_affecte, programme_suivant)."""
        with self.sessions() as session:
            row = pathways.get_pathway(session, self.id)
            model = models_cache.model_for(row.process_version)
            workflow = models_cache.runtime().load(model, row.state.state_json, row.state.serializer_version)
        # The freshest values are those of the tasks that changed state last (removed ones included).
        return Runtime.recorded_data(workflow)

    # --- what users do -------------------------------------------------------------------------

    def complete(self, data: Mapping[str, Any] | None = None, task: str | None = None) -> Scenario:
        """Submit the form of `task` (default: the task last expected) with `data`."""
        item = self.expect_task(task) if task is not None else self._expected
        assert item is not None, "complete() needs a task: call expect_task() first or name it"
        with unit_of_work(self.sessions) as session:
            pathways.complete_work_item(session, self.clock, item.id, dict(data or {}), "referent")
        self._expected = None
        return self

    def do(
        self,
        task: str,
        data: Mapping[str, Any] | None = None,
        *,
        lane: str | None = None,
        form: str | None = None,
    ) -> Scenario:
        """Expect `task` open (in `lane`, with `form` when given), then complete it with `data`."""
        self.expect_task(task, lane=lane, form=form)
        return self.complete(data)

    # --- time -----------------------------------------------------------------------------------

    @property
    def today(self) -> date:
        return self.clock.now().date()

    def day(self, days: int = 0, **delta: int) -> str:
        """An ISO date relative to today (`s.day(30)`, `s.day(months=6)`), for form dates."""
        return (self.today + timedelta(days=days) + relativedelta(**delta)).isoformat()

    def advance(self, days: int = 0, **delta: int) -> Scenario:
        """Move the clock on (`days=`, `months=`, `years=`), without firing anything."""
        self.clock.set(self.clock.now() + timedelta(days=days) + relativedelta(**delta))
        return self

    def advance_to(self, when: date | datetime) -> Scenario:
        """Move the clock to `when` (a date means 09:00 UTC that day)."""
        if not isinstance(when, datetime):
            when = datetime.combine(when, time(9), tzinfo=UTC)
        assert when >= self.clock.now(), "a scenario never goes back in time"
        self.clock.set(when)
        return self

    def fire_timers(self) -> int:
        """Fire the pathway's due timers as the scheduler does; how many fired.

        Whatever fires must have been due by the indexed `next_timer_due` the scheduler scans.
        """
        total = 0
        for _ in range(20):
            with unit_of_work(self.sessions) as session:
                listed = self.id in timers.due_pathway_ids(session, self.clock.now(), limit=1000)
                fired = pathways.fire_timers(session, self.clock, self.id)
            assert listed or not fired, f"{self.programme}: a timer fired that next_timer_due did not show"
            if not fired:
                return total
            total += fired
        raise AssertionError("timers keep firing: a timer loop in the model?")

    def wait_until_due(self) -> Scenario:
        """Move the clock to the pathway's next timer and fire it (as the scheduler would)."""
        due = self.pathway.next_timer_due
        assert due is not None, f"{self.programme}: no timer is waiting; open: {self.open_task_names()}"
        if due >= self.clock.now():
            # SpiffWorkflow fires a timer strictly after its instant; the scheduler's next run does.
            self.clock.set(due + timedelta(seconds=1))
        assert self.fire_timers() >= 1
        return self


def referent_username(sessions: sessionmaker[Session], account_id: int | None) -> str | None:
    if account_id is None:
        return None
    with sessions() as session:
        account = session.get(Account, account_id)
        return account.username if account else None


# The exhaustive exit matrix runs on SQLite; one representative scenario per programme runs on both
# backends (see each test module's docstring).
sqlite_only = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
