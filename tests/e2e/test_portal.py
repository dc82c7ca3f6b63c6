"""The person's portal in Chromium on a phone-sized screen (390x844), against a real server.

The person signs in with the identifier and the code of their card, reads their passport (nothing
wider than the screen), and downloads the PDF. Chromium missing fails the test (tests/e2e/conftest.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from parcours_engine.accounts import accounts
from parcours_engine.passport import passport, portal
from parcours_engine.persistence.models import Beneficiary
from parcours_engine.persistence.uow import unit_of_work

# The workspace's live server (waitress on 127.0.0.1, production cookie and CSRF settings).
from tests.e2e.conftest import Live

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("cheap_code_hashing")]


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        locale="fr-FR",
        is_mobile=True,
        has_touch=True,
        accept_downloads=True,
    )
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_person_reads_their_passport_on_a_phone_and_downloads_the_pdf(
    phone: Page, live: Live, tmp_path: Path
) -> None:
    world = live.world
    world.start(last_name="Costa", first_name="Maria")
    with unit_of_work(world.sessions) as session:
        person = session.scalar(select(Beneficiary).where(Beneficiary.last_name == "Costa"))
        assert person is not None
        referent = accounts.by_username(session, "conseiller")
        code = portal.display_code(portal.issue_code(session, world.clock, referent, person.id, "/t"))
        period = passport.ExperienceInput(
            "Boulangerie Santucci", "D", "pmsmp", date(2026, 1, 2), date(2026, 1, 4)
        )
        passport.add_experience(session, world.clock, referent, person.id, period, "/t")
        identifier = person.identifier

    phone.goto(f"{live.url}/mon-passeport/connexion")
    phone.fill("#identifier", identifier.lower())
    phone.fill("#code", code)
    phone.click("#portal-sign-in button[type=submit]")
    phone.wait_for_load_state("load")  # styles applied before anything is measured (see sign_in)

    expect(phone.locator("h1")).to_have_text("Maria Costa")
    expect(phone.locator("#competences li[data-competence=ponctualite] .level")).to_have_text("À vérifier")
    expect(phone.locator("#experiences")).to_contain_text("Boulangerie Santucci")
    wider = phone.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not wider, "the passport page is wider than the phone's screen"

    with phone.expect_download() as download_info:
        phone.click("#download-pdf")
    download = download_info.value
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    assert download.suggested_filename == f"passeport_emploi_{identifier}.pdf"
    assert saved.read_bytes().startswith(b"%PDF-")

    phone.goto(f"{live.url}/mon-passeport/parcours")
    expect(phone.locator(".pathway .referent")).to_have_text("Conseiller")
