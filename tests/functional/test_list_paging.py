"""Issue 15: search, sort and pagination on the server in *Ma file active*, *Parcours* and
*Personnes*: bounded pages, a stable order (every row on exactly one page), sort headers that keep
the filters, a page past the end read as the last one, and the filters folded in a <details>."""

from __future__ import annotations

import re
from datetime import date

from tests.functional.conftest import World

NAMES = ["Bernard", "Aubert", "Dupont", "Carré", "Fabre", "Étienne", "Garnier", "Hamel", "Imbert", "Joly"]
ROW = re.compile(r'<tr><td><a href="/(?:parcours|personnes)/(\d+)(?:/passeport)?">([^<]+)</a>')


def _rows(page: str) -> list[tuple[int, str]]:
    return [(int(i), name) for i, name in ROW.findall(page)]


def _caseload(world: World) -> list[int]:
    return [
        world.start(last_name=name, first_name="Test", birth_date=date(2000, 1, 1 + i))
        for i, name in enumerate(NAMES)
    ]


def test_the_caseload_is_paged_on_the_server_with_every_row_on_exactly_one_page(world: World) -> None:
    started = _caseload(world)
    client = world.client("conseiller")
    seen: list[int] = []
    for number in (1, 2, 3):
        page = client.get(f"/file-active?par_page=4&page={number}").get_data(as_text=True)
        rows = _rows(page)
        assert len(rows) == (4 if number < 3 else 2)
        assert "(10)" in page  # the total, not the page's length
        seen += [i for i, _name in rows]
    assert sorted(seen) == sorted(started)
    first = client.get("/file-active?par_page=4").get_data(as_text=True)
    assert 'id="page-next"' in first and 'id="page-prev"' not in first
    assert "Lignes 1 à 4 sur 10" in first
    last = client.get("/file-active?par_page=4&page=999").get_data(as_text=True)  # past the end
    assert len(_rows(last)) == 2 and 'id="page-next"' not in last


def test_a_page_holds_at_most_a_hundred_rows_whatever_is_asked(world: World) -> None:
    _caseload(world)
    page = world.client("conseiller").get("/file-active?par_page=100000&page=abc")
    assert page.status_code == 200
    assert len(_rows(page.get_data(as_text=True))) == 10
    from parcours_engine.domain.paging import MAX_SIZE, paging_from

    assert paging_from({"par_page": "100000"}, ("nom",), "nom").size == MAX_SIZE


def test_sorting_by_person_both_ways_and_the_header_says_which(world: World) -> None:
    _caseload(world)
    client = world.client("conseiller")
    up = client.get("/parcours?tri=personne").get_data(as_text=True)
    names = [name.split()[0] for _i, name in _rows(up)]
    assert names[:4] == ["AUBERT", "BERNARD", "CARRÉ", "DUPONT"]
    assert 'aria-sort="ascending"' in up
    down = client.get("/parcours?tri=personne&ordre=desc").get_data(as_text=True)
    assert [name for _i, name in _rows(down)] == [name for _i, name in _rows(up)][::-1]
    assert 'aria-sort="descending"' in down
    # a sort header keeps the filters and starts again at page 1
    filtered = client.get("/parcours?statut=active&page=2&par_page=4").get_data(as_text=True)
    link = re.search(r'<a href="([^"]*)" data-sort="programme"', filtered)
    assert link is not None
    assert "statut=active" in link.group(1) and not re.search(r"[?;]page=", link.group(1))


def test_search_by_name_or_identifier_in_the_caseload_and_the_pathways(world: World) -> None:
    _caseload(world)
    client = world.client("conseiller")
    found = _rows(client.get("/file-active?q=dup").get_data(as_text=True))
    assert [name for _i, name in found] == ["DUPONT Test"]
    listed = client.get("/parcours?q=ham").get_data(as_text=True)
    assert [name for _i, name in _rows(listed)] == ["HAMEL Test"]
    assert "(1)" in listed
    too_long = client.get("/parcours?q=" + "x" * 200)
    assert too_long.status_code == 400
    assert 'id="err-q"' in too_long.get_data(as_text=True)


def test_filters_are_folded_and_open_when_one_applies(world: World) -> None:
    _caseload(world)
    client = world.client("conseiller")
    plain = client.get("/parcours").get_data(as_text=True)
    assert re.search(r'<details class="filters-box" id="filters">', plain)  # folded
    applied = client.get("/parcours?statut=active").get_data(as_text=True)
    assert re.search(r'<details class="filters-box" id="filters" open>', applied)


def test_people_are_sorted_and_paged(world: World) -> None:
    _caseload(world)
    client = world.client("conseiller")
    page = client.get("/personnes?nom=e&tri=naissance&ordre=desc&par_page=3").get_data(as_text=True)
    rows = _rows(page)
    assert len(rows) == 3
    assert 'id="page-next"' in page
    all_rows = _rows(client.get("/personnes?nom=e&tri=naissance&ordre=desc").get_data(as_text=True))
    assert rows == all_rows[:3]
    births = re.findall(
        r"<td>(\d\d)/01/2000</td>",
        client.get("/personnes?nom=e&tri=naissance&ordre=desc").get_data(as_text=True),
    )
    assert births == sorted(births, reverse=True) and len(births) == len(all_rows)


def test_the_inbox_filters_are_folded_too(world: World) -> None:
    world.start()
    client = world.client("conseiller")
    plain = client.get("/taches").get_data(as_text=True)
    assert re.search(r'<details class="filters-box" id="filters">\s*<summary>', plain)
    applied = client.get("/taches?echeance=week").get_data(as_text=True)
    assert '<details class="filters-box" id="filters" open>' in applied
