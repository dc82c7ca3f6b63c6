"""Issue 15, point 11: each role lands on its own page, partners on the people shared with them;
French names for exported files; a favicon."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from parcours_engine.accounts import accounts
from parcours_engine.passport import consent
from parcours_engine.persistence.models import AccessLog
from tests.functional.conftest import World
from tests.functional.test_permissions import add_partner

try:
    from parcours_engine.persistence.uow import unit_of_work
except ImportError:  # before the unit of work moved
    from parcours_engine.persistence.db import unit_of_work  # type: ignore[no-redef]


@pytest.mark.parametrize(
    ("username", "landing"),
    [
        ("conseiller", "/taches"),
        ("accueil", "/taches"),
        ("superviseur", "/supervision/"),
        ("coordination", "/studio"),
        ("administrateur", "/admin/"),
        ("educ", "/personnes-partagees"),
    ],
)
def test_each_role_lands_on_its_own_page_after_sign_in_and_on_the_root(
    world: World, username: str, landing: str
) -> None:
    add_partner(world)
    client = world.client()
    signed_in = client.sign_in(username)
    assert signed_in.headers["Location"] == "/"
    home = client.get("/")
    assert home.status_code == 303
    assert home.headers["Location"] == landing
    assert client.get(landing, follow_redirects=True).status_code == 200


def _share(world: World, person_id: int, structure: str, withdraw: bool = False) -> None:
    with unit_of_work(world.sessions) as session:
        referent = accounts.by_username(session, "administrateur")  # the people are nobody's caseload
        assert referent is not None
        given = consent.give(
            session, world.clock, referent, person_id, world.structures[structure], date(2026, 1, 5), "/t"
        )
        if withdraw:
            consent.withdraw(session, world.clock, referent, person_id, given.id, "/t")


def test_a_partner_lists_only_the_people_whose_consent_to_share_with_it_is_in_force(world: World) -> None:
    add_partner(world)
    with world.sessions() as session:
        pjj = accounts.by_username(session, "educ")
        assert pjj is not None
        world.structures["pjj"] = pjj.structure_id or 0
    shared = world.person(last_name="Partagée", first_name="Inès")
    withdrawn = world.person(last_name="Retirée", first_name="Zoé")
    elsewhere = world.person(last_name="Ailleurs", first_name="Noa")
    world.person(last_name="Jamais", first_name="Lou")
    _share(world, shared, "pjj")
    _share(world, withdrawn, "pjj", withdraw=True)
    _share(world, elsewhere, "ml_sud")

    client = world.client("educ")
    page = client.get("/personnes-partagees").get_data(as_text=True)
    assert "Personnes partagées avec nous" in page
    assert "PARTAGÉE Inès" in page
    assert f'href="/personnes/{shared}/passeport"' in page
    for absent in ("RETIRÉE", "AILLEURS", "JAMAIS"):
        assert absent not in page
    assert client.get(f"/personnes/{shared}/passeport").status_code == 200

    assert "PARTAGÉE" not in client.get("/personnes-partagees?nom=zzz").get_data(as_text=True)
    assert "PARTAGÉE" in client.get("/personnes-partagees?nom=inè").get_data(as_text=True)
    with world.sessions() as session:
        listed = session.scalars(
            select(AccessLog).where(AccessLog.account_id == world.ids["educ"], AccessLog.action == "list")
        ).all()
    assert [row.shown for row in listed] == [1, 0, 1]


def test_only_partners_have_the_shared_people_page(world: World) -> None:
    add_partner(world)
    assert world.client("conseiller").get("/personnes-partagees").status_code == 403
    assert 'id="shared-link"' in world.client("educ").get("/personnes-partagees").get_data(as_text=True)
    assert 'id="shared-link"' not in world.client("conseiller").get("/taches").get_data(as_text=True)


def test_exported_files_have_french_names(world: World) -> None:
    client = world.client("superviseur")
    summary = client.get("/supervision/?format=csv&table=summary")
    assert summary.headers["Content-Disposition"] == 'attachment; filename="indicateurs-synthese.csv"'
    stalled = client.get("/supervision/blocages?format=csv")
    assert stalled.headers["Content-Disposition"] == 'attachment; filename="parcours-bloques.csv"'


def test_the_favicon_is_served_and_linked(world: World) -> None:
    client = world.client()
    icon = client.get("/favicon.ico", follow_redirects=True)
    assert icon.status_code == 200
    assert icon.headers["Content-Type"].startswith("image/svg+xml")
    login = client.get("/connexion").get_data(as_text=True)
    assert re.search(r'<link rel="icon" type="image/svg\+xml" href="/static/favicon.svg', login)
