"""Demo data lets anyone try the passport and the portal: passports with a history, and the portal
credentials README gives sign in; loading twice adds nothing."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parcours_engine.demo import workspace
from parcours_engine.demo.passports import COMPANIES, DEMO_PORTAL_CODE, PORTAL_PEOPLE
from parcours_engine.demo.workspace import DEMO_PASSWORD, load_demo
from parcours_engine.domain.errors import InvalidInput
from parcours_engine.passport import portal
from parcours_engine.persistence.models import AccessLog, Account, Beneficiary, Pathway, WorkItem
from parcours_engine.persistence.models.passport import (
    CompetenceAssessment,
    Experience,
    Passport,
    PortalAccess,
    ReferenceDocument,
    SharingConsent,
)
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.web import create_app
from tests.functional.conftest import World
from tests.support.library import publish_fixture

README = Path(__file__).resolve().parents[2] / "README.md"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
TABLES: tuple[Any, ...] = (
    Account,
    Beneficiary,
    Pathway,
    WorkItem,
    Passport,
    CompetenceAssessment,
    Experience,
    ReferenceDocument,
    SharingConsent,
    PortalAccess,
    AccessLog,
)


pytestmark = pytest.mark.usefixtures("cheap_code_hashing")  # tests.functional.conftest


def demo_world(database_url: str, sessions: Any, clock: Any) -> World:
    publish_fixture(sessions, clock)
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test", "CLOCK": clock})
    return World(app, sessions, clock)


@pytest.fixture
def loaded(database_url: str, sessions: Any, clock: Any) -> World:
    world = demo_world(database_url, sessions, clock)
    with unit_of_work(world.sessions) as session:
        report = load_demo(session, world.clock, people=20)
    assert f"portal sign-in {PORTAL_PEOPLE[0].identifier}" in report
    return world


def counts(session: Session) -> dict[str, int]:
    return {table.__name__: session.scalar(select(func.count()).select_from(table)) for table in TABLES}


def portal_sign_in(world: World, identifier: str, code: str) -> Any:
    client = world.app.test_client()
    page = client.get("/mon-passeport/connexion").get_data(as_text=True)
    found = CSRF.search(page)
    assert found
    response = client.post(
        "/mon-passeport/connexion",
        data={"identifier": identifier, "code": code, "csrf_token": found.group(1)},
    )
    assert response.status_code == 303, response.get_data(as_text=True)
    return client


def test_readme_gives_the_portal_credentials() -> None:
    text = README.read_text(encoding="utf-8")
    assert DEMO_PORTAL_CODE in text
    assert all(person.identifier in text for person in PORTAL_PEOPLE)


def test_the_documented_credentials_open_a_passport_with_a_history(loaded: World) -> None:
    companies = {name for name, _rome in COMPANIES}
    for person in PORTAL_PEOPLE:
        client = portal_sign_in(loaded, person.identifier, DEMO_PORTAL_CODE)
        page = client.get("/mon-passeport/").get_data(as_text=True)
        assert person.identifier in page and person.first_name in page
        assert 'id="experiences"' in page  # a table of periods, not "Aucune expérience"
        assert any(company in page for company in companies)
        assert re.search(r'class="level level-(non_acquise|en_cours|acquise)"', page)
        assert '<ol class="history"' in page  # levels with a dated evolution
        assert client.get("/mon-passeport/parcours").status_code == 200
    # The longest story ended a period with an attestation the person downloads.
    client = portal_sign_in(loaded, PORTAL_PEOPLE[0].identifier, DEMO_PORTAL_CODE)
    link = re.search(
        r'href="(/mon-passeport/references/\d+)"', client.get("/mon-passeport/").get_data(as_text=True)
    )
    assert link
    assert client.get(link.group(1)).get_data().startswith(b"%PDF-")


def test_a_dozen_passports_filled_and_shared_through_the_services(loaded: World) -> None:
    with loaded.sessions() as session:
        assessed = session.scalar(
            select(func.count(func.distinct(CompetenceAssessment.passport_id))).where(
                CompetenceAssessment.source != "ouverture"
            )
        )
        assert assessed == 12
        shared = session.scalars(select(SharingConsent.beneficiary_id)).all()
        assert shared
        by_partner = session.scalar(
            select(func.count(Experience.id)).where(Experience.recorded_by == "partenaire")
        )
        assert by_partner
        written = session.scalar(select(func.count(AccessLog.id)).where(AccessLog.route == "demo load"))
        assert written  # every change went through the services, which log it
    partner = loaded.client()
    partner.sign_in("partenaire", DEMO_PASSWORD)
    assert partner.get(f"/personnes/{shared[0]}/passeport").status_code == 200


def test_loading_twice_adds_nothing(loaded: World) -> None:
    with loaded.sessions() as session:
        before = counts(session)
    with unit_of_work(loaded.sessions) as session:
        assert load_demo(session, loaded.clock) == "demo data already loaded"
    with loaded.sessions() as session:
        assert counts(session) == before


def test_a_database_loaded_before_the_passports_gains_them(
    database_url: str, sessions: Any, clock: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    world = demo_world(database_url, sessions, clock)
    with monkeypatch.context() as older_release:
        older_release.setattr(workspace, "load_demo_passports", lambda *_args: "")
        with unit_of_work(world.sessions) as session:
            load_demo(session, world.clock, people=20)
    with unit_of_work(world.sessions) as session:
        assert load_demo(session, world.clock) == "demo data already loaded"
    portal_sign_in(world, PORTAL_PEOPLE[1].identifier, DEMO_PORTAL_CODE)


def test_a_chosen_code_must_be_one_a_card_could_show(loaded: World) -> None:
    with unit_of_work(loaded.sessions) as session:
        person = session.scalar(
            select(Beneficiary).where(Beneficiary.identifier == PORTAL_PEOPLE[0].identifier)
        )
        referent = session.scalar(select(Account).where(Account.username == PORTAL_PEOPLE[0].referent))
        assert person is not None and referent is not None
        with pytest.raises(InvalidInput):  # O and 0 are left out of the cards' alphabet
            portal.issue_code(session, loaded.clock, referent, person.id, "/t", code="DEMO-2026")
    portal_sign_in(loaded, PORTAL_PEOPLE[0].identifier, DEMO_PORTAL_CODE)  # the old code still works
