"""Issue 15, point 6: the partner has somewhere to go. Search (the page and the API) finds the people
whose consent to share with the partner's structure is in force, and no one else outside its own
files; the passport is reachable from the shared list and from a search's row; and no link on a page
the partner can reach answers 403 (the passport's "Fiche de la personne" is offered only to those
who may read the person's file)."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from parcours_engine.accounts import accounts
from parcours_engine.demo.workspace import DEMO_PASSWORD, load_demo
from parcours_engine.passport import consent
from parcours_engine.persistence.models import Beneficiary
from parcours_engine.persistence.uow import unit_of_work
from tests.functional.conftest import Client, World
from tests.functional.test_demo_passports import demo_world
from tests.functional.test_permissions import add_partner

HREF = re.compile(r'href="(/[^"#]*)"')


def _share(world: World, person_id: int, withdraw: bool = False) -> None:
    with unit_of_work(world.sessions) as session:
        admin = accounts.by_username(session, "administrateur")
        educ = accounts.by_username(session, "educ")
        assert admin is not None and educ is not None and educ.structure_id is not None
        given = consent.give(
            session, world.clock, admin, person_id, educ.structure_id, date(2026, 1, 5), "/t"
        )
        if withdraw:
            consent.withdraw(session, world.clock, admin, person_id, given.id, "/t")


def _people(world: World) -> dict[str, int]:
    add_partner(world)
    found = {
        "shared": world.person(last_name="Partagée", first_name="Inès"),
        "withdrawn": world.person(last_name="Partagée", first_name="Zoé"),
        "never": world.person(last_name="Partagée", first_name="Lou"),
    }
    _share(world, found["shared"])
    _share(world, found["withdrawn"], withdraw=True)
    return found


def test_a_partner_finds_by_search_the_people_shared_with_its_structure_and_only_them(world: World) -> None:
    people = _people(world)
    page = world.client("educ").get("/personnes?nom=partag")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "PARTAGÉE Inès" in text
    assert "Zoé" not in text and "Lou" not in text
    # the row leads to the passport (the partner may not read the file of a person it does not follow)
    assert f'href="/personnes/{people["shared"]}/passeport"' in text
    assert f'href="/personnes/{people["shared"]}"' not in text

    by_identifier = world.client("educ").get("/personnes?nom=in%C3%A8s").get_data(as_text=True)
    assert "PARTAGÉE Inès" in by_identifier

    api = world.api("educ").get("/beneficiaries?name=partag")
    assert api.status_code == 200
    assert [item["id"] for item in api.get_json()["items"]] == [people["shared"]]


def test_a_counsellor_still_reaches_the_file_from_a_search_row(world: World) -> None:
    pathway_id = world.start(last_name="Suivie", first_name="Ana")
    text = world.client("conseiller").get("/personnes?nom=suivie").get_data(as_text=True)
    person = re.search(r'href="/personnes/(\d+)"', text)
    assert person is not None, text
    assert world.client("conseiller").get(f"/personnes/{person.group(1)}").status_code == 200
    assert pathway_id


def test_the_passport_offers_the_persons_file_only_to_those_who_may_read_it(world: World) -> None:
    people = _people(world)
    passport = f"/personnes/{people['shared']}/passeport"
    partner_page = world.client("educ").get(passport).get_data(as_text=True)
    assert "Fiche de la personne" not in partner_page
    assert f'href="/personnes/{people["shared"]}"' not in partner_page
    admin_page = world.client("administrateur").get(passport).get_data(as_text=True)
    assert f'href="/personnes/{people["shared"]}"' in admin_page


def _links(client: Client, url: str) -> set[str]:
    page = client.get(url)
    if page.status_code != 200 or "html" not in page.headers.get("Content-Type", ""):
        return set()
    return {unescape(found) for found in HREF.findall(page.get_data(as_text=True))}


def test_no_link_on_a_page_the_partner_reaches_answers_403(world: World) -> None:
    _people(world)
    client = world.client("educ")
    seen: dict[str, int] = {}
    frontier = {"/", "/personnes-partagees", "/personnes?nom=partag"}
    for _depth in range(3):
        following: set[str] = set()
        for url in sorted(frontier - set(seen)):
            if url.startswith(("/static/", "/deconnexion", "/favicon")):
                continue
            answer = client.get(url)
            seen[url] = answer.status_code
            if answer.status_code == 200:
                following |= _links(client, url)
        frontier = following
    forbidden = sorted(url for url, status in seen.items() if status == 403)
    assert forbidden == []
    assert any(url.endswith("/passeport") for url in seen)  # the walk reached a passport


@pytest.fixture
def demo(database_url: str, sessions: Any, clock: Any, cheap_code_hashing: None) -> World:
    world = demo_world(database_url, sessions, clock)
    with unit_of_work(world.sessions) as session:
        load_demo(session, world.clock, people=20)
    return world


def test_in_the_demo_data_the_partner_finds_pe_demo_0001(demo: World) -> None:
    loaded = demo
    client = Client(loaded.app.test_client())
    client.sign_in("partenaire", DEMO_PASSWORD)
    with loaded.sessions() as session:
        person = session.scalar(select(Beneficiary).where(Beneficiary.identifier == "PE-DEMO-0001"))
        assert person is not None
        name = person.last_name
    page = client.get(f"/personnes?nom={name[:4]}").get_data(as_text=True)
    assert "PE-DEMO-0001" in page
    assert f'href="/personnes/{person.id}/passeport"' in page
    by_identifier = client.get("/personnes?identifiant=PE-DEMO-0001").get_data(as_text=True)
    assert "PE-DEMO-0001" in by_identifier
    assert client.get(f"/personnes/{person.id}/passeport").status_code == 200
