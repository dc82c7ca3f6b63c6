"""Lists issue a constant number of queries whatever their length (no N+1)."""

from __future__ import annotations

import pytest

from tests.functional.conftest import ACCUEIL

PAGES = ("/taches", "/file-active", "/parcours", "/personnes?nom=a", "/api/v1/work-items", "/api/v1/pathways")


def _queries(world, count_queries, url):
    client = world.client("conseiller")
    client.get("/taches")  # warm up: sign-in and first-request work are not the list's
    headers = {"Authorization": f"Bearer {world.tokens['conseiller']}"} if url.startswith("/api") else {}
    with count_queries() as counter:
        response = client.get(url, headers=headers)
    assert response.status_code == 200, url
    return counter.count


def _add(world, how_many):
    for index in range(how_many):
        pathway_id = world.start(last_name=f"Nom{index}")
        world.complete(pathway_id, ACCUEIL)  # a diagnostic task for the referent, in each pathway


@pytest.mark.parametrize("url", PAGES)
def test_lists_are_free_of_n_plus_one(world, count_queries, url):
    _add(world, 2)
    few = _queries(world, count_queries, url)
    _add(world, 8)
    many = _queries(world, count_queries, url)
    assert many == few, f"{url}: {few} queries for 2 rows, {many} for 10"
