"""Issue 16: the query plans of *Parcours* and the studio on SQLite (EXPLAIN QUERY PLAN of each statement the page
runs): its default order walks an index instead of sorting every pathway the reader may see, and a
counsellor's pathways read the team lane's tasks once (IN), not once per pathway (a correlated EXISTS);
and the studio counts each version's active pathways on an index, not by reading every active one.
The pages' rows and order: test_page_queries.py, on both databases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from parcours_engine.pathways import pathway_lists
from tests.functional.conftest import World
from tests.functional.test_page_queries import statements, ten_pathways


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    """SQLite only: these read SQLite's query plans (EXPLAIN QUERY PLAN)."""
    path = tmp_path / "plans.sqlite3"
    path.write_bytes(sqlite_template.read_bytes())
    return f"sqlite:///{path}"


def _plans(world: World, username: str, url: str) -> list[str]:
    """The query plan of each SELECT of pathways the page runs."""
    client = world.client(username)
    with statements(world) as seen:
        assert client.get(url).status_code == 200
    engine = world.app.extensions["parcours.sessions"].kw["bind"]
    plans = []
    with engine.connect() as conn:
        for statement, parameters in seen:
            if statement.lstrip().startswith("SELECT") and "FROM pathway" in statement:
                rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
                plans.append("\n".join(str(row[-1]) for row in rows) + "\n" + statement)
    return plans


def test_the_default_order_walks_an_index_instead_of_sorting_every_pathway(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pathway_lists, "SORTED_AT_ONCE", 0)  # as a list of more than a thousand
    ten_pathways(world)
    # A first page of idle pathways (4 idle, pages of 3): what every reader opens first. The rows
    # read for the page (by id) are then sorted: a page's worth.
    plans = _plans(world, "superviseur", "/parcours?par_page=3")
    page_reads = [p for p in plans if "LIMIT" in p]
    assert page_reads
    assert [p for p in page_reads if "USE TEMP B-TREE FOR ORDER BY" in p] == []


def test_a_counsellors_pathways_read_the_lanes_tasks_once_not_per_pathway(world: World) -> None:
    ten_pathways(world)
    plans = _plans(world, "conseiller", "/parcours")
    assert plans
    assert [p for p in plans if "CORRELATED" in p] == []


def test_the_studio_counts_each_versions_active_pathways_by_index(world: World) -> None:
    ten_pathways(world)
    for url in ("/studio", "/studio/reference", "/studio/reference/versions"):
        plans = _plans(world, "coordination", url)
        assert plans, url
        reads = [line for p in plans for line in p.splitlines() if re.match(r"(SEARCH|SCAN) pathway\b", line)]
        assert reads, url
        # per listed version, its entries only (not every active pathway, grouped), without the rows
        assert [r for r in reads if "COVERING INDEX" not in r or "process_version_id=?" not in r] == [], url


def test_a_supervisors_stalled_list_reads_their_structures_stalled_rows_only(world: World) -> None:
    """The count and the page of /supervision/blocages go through ix_pathway_stalled_structure: before
    it, SQLite walked every pathway of the structure to count the stalled ones (156 ms of 170 at
    200,000 pathways, bench.pages)."""
    ten_pathways(world)
    plans = _plans(world, "superviseur", "/supervision/blocages")
    reads = [line for p in plans for line in p.splitlines() if re.match(r"(SEARCH|SCAN) pathway\b", line)]
    assert len(reads) >= 2  # the page and its count
    assert [r for r in reads if "ix_pathway_stalled_structure" not in r] == []
