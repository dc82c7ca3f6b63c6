"""The agenda in Chromium (issue 17), on a desktop screen and on a 390 px phone: a referent books an
appointment from the pathway page, finds it in the week, opens it from there and records the
attendance once it has started; no page is wider than the screen."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Browser, Page, expect

from parcours_engine.pathways import pathways
from parcours_engine.persistence.uow import unit_of_work
from tests.e2e.conftest import Live, sign_in
from tests.functional.test_appointment_tasks import LIBRARY as APPOINTMENT_LIBRARY
from tests.support.library import publish_fixture

pytestmark = pytest.mark.e2e

SCREENS = {"desktop": (1280, 900), "phone": (390, 844)}


@pytest.fixture(params=sorted(SCREENS))
def screen(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    width, height = SCREENS[request.param]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="fr-FR")
    try:
        yield context.new_page()
    finally:
        context.close()


def _fits(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} is {overflow} px wider than the screen"


def test_book_from_the_pathway_find_it_in_the_week_and_record_the_attendance(
    screen: Page, live: Live
) -> None:
    page = screen
    pathway_id = live.world.start(last_name="Bernard", first_name="Inès")
    sign_in(page, live, "conseiller")
    page.goto(f"{live.url}/parcours/{pathway_id}")
    page.click("#book-appointment-link")
    expect(page.locator("#pathway_id")).to_have_value(str(pathway_id))
    _fits(page)
    page.select_option("#kind", "diagnostic")
    page.fill("#day", "2026-01-07")
    page.fill("#at", "10:00")
    page.select_option("#duration_minutes", "60")
    page.select_option("#mode", "lieu")
    page.fill("#place", "Bureau 2")
    page.click("#book-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Diagnostic · 07/01/2026 10:00")
    expect(page.locator("#appointment-summary")).to_contain_text("Bureau 2")

    page.goto(f"{live.url}/agenda")
    expect(page.locator("h1")).to_have_text("Agenda de la semaine du 05/01/2026")
    item = page.locator("#agenda .agenda-item")
    expect(item).to_have_count(1)
    expect(item).to_contain_text("10:00–11:00")
    expect(item).to_contain_text("BERNARD Inès")
    expect(page.locator("#day-2026-01-07")).to_be_visible()
    _fits(page)

    live.world.clock.set(datetime(2026, 1, 7, 9, 10, tzinfo=UTC))  # 10:10 in Paris: it has started
    page.context.clear_cookies()
    sign_in(page, live, "conseiller")
    page.goto(f"{live.url}/agenda")
    page.click("#agenda .agenda-item a")
    expect(page).to_have_url(re.compile(r"/rendez-vous/\d+$"))
    page.check("input[name=attendance][value=absent_non_excuse]")
    page.click("#attendance-form button[type=submit]")
    expect(page.locator("#appointment-state")).to_have_text("Absent non excusé")
    _fits(page)
    page.goto(f"{live.url}/agenda/jour?date=2026-01-07")
    expect(page.locator("#agenda .agenda-item")).to_contain_text("Absent non excusé")
    _fits(page)


def test_the_contact_feed_and_attendance_pages_fit_the_screen(screen: Page, live: Live) -> None:
    page = screen
    person_id = live.world.person(last_name="Fontaine-Delacroix-Beaumarchais", first_name="Anne-Sophie")
    sign_in(page, live, "accueil")
    page.goto(f"{live.url}/personnes/{person_id}/coordonnees")
    page.fill("#phone", "+44 20 7946 0958")
    page.fill("#email", "anne-sophie.fontaine-delacroix@example.org")
    page.click("#contact-form button[type=submit]")
    expect(page.locator("#phone")).to_have_value("+44 20 7946 0958")
    page.select_option("#channel", "email")
    page.click("#contact-consent-form button[type=submit]")
    expect(page.locator("#contact-consents")).to_contain_text("E-mail")
    _fits(page)
    page.goto(f"{live.url}/agenda/flux")
    page.click("#new-feed-form button[type=submit]")
    expect(page.locator("#feed-address")).to_have_value(re.compile(r"/agenda/flux/.+\.ics$"))
    _fits(page)
    page.context.clear_cookies()
    sign_in(page, live, "superviseur")
    page.goto(f"{live.url}/supervision/presences")
    expect(page.locator("h1")).to_have_text("Présence aux rendez-vous")
    _fits(page)


def test_a_task_asking_for_an_appointment_is_booked_from_its_page_and_done_on_attendance(
    screen: Page, live: Live
) -> None:
    page = screen
    publish_fixture(live.world.sessions, live.world.clock, APPOINTMENT_LIBRARY)
    person_id = live.world.person(last_name="Moreau", first_name="Yanis")
    with unit_of_work(live.world.sessions) as session:
        pathway_id = pathways.start_pathway(
            session, live.world.clock, "rdv_simple", person_id, "accueil", live.world.ids["conseiller"]
        ).id
    sign_in(page, live, "conseiller")
    page.goto(f"{live.url}/taches/{live.world.open_item(pathway_id)}")
    expect(page.locator("#appointment-task")).to_contain_text("Diagnostic")
    _fits(page)
    page.click("#book-for-task")
    expect(page.locator("#kind")).to_have_value("diagnostic")
    expect(page.locator("#pathway_id")).to_have_value(str(pathway_id))
    page.fill("#day", "2026-01-07")
    page.fill("#at", "10:00")
    page.select_option("#mode", "telephone")
    page.click("#book-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Diagnostic · 07/01/2026 10:00")

    live.world.clock.set(datetime(2026, 1, 7, 9, 10, tzinfo=UTC))  # 10:10 in Paris: it has started
    appointment_page = page.url
    page.context.clear_cookies()
    sign_in(page, live, "conseiller")
    page.goto(appointment_page)
    page.check("input[name=attendance][value=venu]")
    page.click("#attendance-form button[type=submit]")
    expect(page.locator("#appointment-state")).to_have_text("Venu")
    page.goto(f"{live.url}/parcours/{pathway_id}")
    expect(page.locator("#next-actions")).to_contain_text("Suite du parcours")
    expect(page.locator("#next-actions")).not_to_contain_text("Entretien de diagnostic")
    _fits(page)
