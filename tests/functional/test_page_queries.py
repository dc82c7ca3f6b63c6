"""Issue 16, "every page's server time under 100 ms at 200,000 pathways" (bench/pages.py measures it):
what made the slowest pages slow, each checked on the statements a page runs.

- *Parcours* read every listed pathway's model (its BPMN and forms, eagerly joined) though the list
  shows no version: at 200,000 pathways the sort carried the blobs, 2.3 s for a supervisor.
- Its default order (idle first, by idle date) sorted every pathway the reader may see; it now walks
  an index (the idle ones by date, then the others): no full sort, on SQLite's query plan.
- A counsellor's pathways (own caseload, or an open task of the team's lane) tested the lane's
  tasks once per pathway of the structure (a correlated EXISTS): read as IN, by index.
The order itself is unchanged: the same rows on the same pages as one sort of everything. The query
plans are read in test_page_query_plans.py (SQLite's EXPLAIN QUERY PLAN).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import event, update

from parcours_engine.accounts import accounts
from parcours_engine.pathways import pathway_lists, worklist
from parcours_engine.persistence.models import Account, Pathway
from parcours_engine.persistence.uow import unit_of_work
from tests.functional.conftest import ACCOUNTS, PASSWORD, World

ROW = re.compile(r'<tr><td><a href="/parcours/(\d+)">')
NAMES = ["Bernard", "Aubert", "Dupont", "Carré", "Fabre", "Étienne", "Garnier", "Hamel", "Imbert", "Joly"]


@contextmanager
def statements(world: World) -> Iterator[list[tuple[str, Any]]]:
    """The SQL statements (with their parameters) the app runs inside the block."""
    engine = world.app.extensions["parcours.sessions"].kw["bind"]
    seen: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_args: Any) -> None:
        seen.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def ten_pathways(world: World) -> list[int]:
    """Ten pathways of the counsellor, four of them idle since different days, the others not idle."""
    started = [
        world.start(last_name=name, first_name="Test", birth_date=date(2000, 1, 1 + i))
        for i, name in enumerate(NAMES)
    ]
    with unit_of_work(world.sessions) as session:
        session.execute(update(Pathway).values(idle_since=None).execution_options(synchronize_session=False))
        for days, pathway_id in zip((3, 9, 1, 5), started[2:6], strict=True):
            session.execute(
                update(Pathway)
                .where(Pathway.id == pathway_id)
                .values(idle_since=world.clock.now() - timedelta(days=days))
                .execution_options(synchronize_session=False)
            )
    return started


def test_the_pathway_list_reads_no_model_of_the_pathways(world: World) -> None:
    ten_pathways(world)
    client = world.client("superviseur")
    with statements(world) as seen:
        assert client.get("/parcours").status_code == 200
    assert seen
    assert not [s for s, _p in seen if "files_json" in s or "forms_json" in s]


@pytest.mark.parametrize("descending", [False, True])
def test_the_default_order_is_one_sort_of_everything_on_every_page(
    world: World, descending: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pathway_lists, "SORTED_AT_ONCE", 0)  # read in two parts, as a long list
    started = ten_pathways(world)
    client = world.client("superviseur")
    order = "&ordre=desc" if descending else ""
    seen = []
    for number in (1, 2, 3, 4):
        page = client.get(f"/parcours?par_page=3&page={number}{order}").get_data(as_text=True)
        seen += [int(i) for i in ROW.findall(page)]
    # idle first, by idle date (longest idle first ascending), then the others by name; id last
    idle = [started[3], started[5], started[2], started[4]]  # idle 9, 5, 3 and 1 days
    others = sorted((p for p in started if p not in idle), key=lambda p: NAMES[started.index(p)])
    expected = idle + others if not descending else idle[::-1] + others[::-1]
    assert seen == expected


def test_the_inbox_shows_the_first_tasks_of_each_list_and_counts_them_all(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A team of a large structure has thousands of unclaimed tasks: the page showed every one (3,731
    rows, 870 ms at 200,000 pathways); it shows the first ones, overdue first, and says how many."""
    monkeypatch.setattr(worklist, "INBOX_ROWS", 2)
    for name in ("Alpha", "Beta", "Gamma"):
        world.start(last_name=name)
        world.clock.advance(days=1)
    world.clock.advance(days=1)  # Alpha's and Beta's accueil tasks (due in 2 days) are overdue
    client = world.client("accueil")
    page = client.get("/taches").get_data(as_text=True)
    team = page[page.index('id="tasks-team"') :]
    assert "ALPHA" in team and "BETA" in team and "GAMMA" not in team
    assert re.search(r'id="count-team">[^<]*<strong>3</strong>', page)
    assert re.search(r'id="count-overdue">[^<]*<strong>2</strong>', page)
    assert 'id="more-team"' in page and "Les 2 premières tâches sur 3" in page
    every = world.api("accueil").get("/work-items").get_json()  # the API lists every task
    assert len(every["team"]) == 3 and every["counts"] == {"mine": 0, "team": 3, "overdue": 2}


def test_the_accounts_are_listed_a_page_at_a_time(world: World) -> None:
    """The bench's structure has 3,636 counsellors: the administration listed them all (1.1 s)."""
    client = world.client("administrateur")
    seen: list[str] = []
    for number in (1, 2, 3):
        page = client.get(f"/admin/comptes?par_page=3&page={number}").get_data(as_text=True)
        rows = re.findall(r'<tr data-username="([^"]+)"', page)
        assert len(rows) == 3
        seen += rows
        assert f"({len(ACCOUNTS)})" in page  # every account counted, not the page's
    assert seen == sorted(ACCOUNTS)
    first = client.get("/admin/comptes?par_page=3").get_data(as_text=True)
    assert 'id="page-next"' in first


def _reinforced(world: World) -> None:
    """Twenty more counsellors in the structure."""
    with unit_of_work(world.sessions) as session:
        for n in range(20):
            accounts.create_account(
                session,
                world.clock,
                username=f"renfort{n}",
                password=PASSWORD,
                role="counsellor",
                structure_code="ml_nord",
                team="referent",
                display_name=f"Renfort {n:02d}",
            )


def _loading_accounts(world: World, username: str, url: str) -> tuple[str, list[str]]:
    """The page at `url` for `username`, and the accounts the ORM built for it."""
    client = world.client(username)
    loaded: list[str] = []

    def record(target: Account, _context: Any) -> None:
        loaded.append(target.username)

    event.listen(Account, "load", record)
    try:
        page = client.get(url).get_data(as_text=True)
    finally:
        event.remove(Account, "load", record)
    return page, loaded


@pytest.mark.parametrize(
    ("username", "url"),
    [
        ("conseiller", "/parcours/{pathway}"),  # the transfer's choice
        ("conseiller", "/personnes/{person}/rendez-vous"),  # whom to book with
        ("accueil", "/agenda"),  # whose agenda (reception opens every counsellor's)
    ],
)
def test_a_choice_of_the_structures_counsellors_loads_no_account_for_each(
    world: World, username: str, url: str
) -> None:
    """These pages listed the structure's counsellors as accounts (the bench's structure has 3,637: the
    ORM built each, 30-90 ms of the page); they read their ids and names only."""
    pathway_id = ten_pathways(world)[0]
    with world.sessions() as session:
        person_id = session.get(Pathway, pathway_id).beneficiary_id  # type: ignore[union-attr]
    _reinforced(world)
    page, loaded = _loading_accounts(world, username, url.format(pathway=pathway_id, person=person_id))
    assert "Renfort 00" in page and "Renfort 19" in page  # every counsellor offered
    assert len(loaded) < 5, loaded
