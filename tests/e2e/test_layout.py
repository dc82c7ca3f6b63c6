"""Layout in Chromium (issue 15, point 10): a compact header, readable charts, tables that fit.

- The header is one row at 1,366 px for every role: the structure's name under the product's, the
  navigation on one line, the account's small links (sign-out and "English" drawn as links, not as
  main buttons) on the right; at 390 px it stacks without widening the page.
- The dashboard fits the window at 1,366 and 390 px; each chart is at least 220 px high, and every
  label of a chart is drawn (none skipped, none rotated away).
- The portal's experiences read as cards on a 390 px phone: every cell within the screen, nothing to
  scroll sideways.
- The filters of the stalled list and of the accounts fold in a <details>, open only when a filter is
  applied, so that the list starts on the first screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from sqlalchemy import select

from parcours_engine.accounts import accounts
from parcours_engine.passport import passport, portal
from parcours_engine.pathways import pathways
from parcours_engine.persistence.models import Beneficiary
from parcours_engine.persistence.uow import unit_of_work
from tests.e2e.conftest import Live, sign_in
from tests.support import supervision as sv

pytestmark = pytest.mark.e2e

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
ROLES = ("conseiller", "accueil", "superviseur", "coordination", "administrateur")


@pytest.fixture
def contexts(browser: Browser) -> Iterator[dict[str, BrowserContext]]:
    made = {
        "laptop": browser.new_context(viewport=LAPTOP, locale="fr-FR"),
        "phone": browser.new_context(viewport=PHONE, locale="fr-FR", is_mobile=True, has_touch=True),
    }
    try:
        yield made
    finally:
        for context in made.values():
            context.close()


def _overflow(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


def _tops(page: Page, selector: str) -> set[int]:
    return {round(box["y"]) for box in (item.bounding_box() for item in page.locator(selector).all()) if box}


def test_the_header_is_one_compact_row_for_every_role(browser: Browser, live: Live) -> None:
    for username in ROLES:
        context = browser.new_context(viewport=LAPTOP, locale="fr-FR")
        try:
            page = context.new_page()
            sign_in(page, live, username)
            header = page.locator("header.site-header")
            box = header.bounding_box()
            assert box is not None and box["height"] <= 72, (username, box)
            assert len(_tops(page, "header nav.main-nav a")) == 1, f"{username}: the navigation wraps"
            if username != "administrateur":  # the only account without a structure
                expect(header.locator(".structure-name")).to_be_visible()
            english = header.locator(".lang-switch button")
            size, background = english.evaluate(
                "b => { const s = getComputedStyle(b); return [parseFloat(s.fontSize), s.backgroundColor]; }"
            )
            link = header.locator("nav.main-nav a").first.evaluate(
                "a => parseFloat(getComputedStyle(a).fontSize)"
            )
            assert size < link and background == "rgba(0, 0, 0, 0)", (username, size, link, background)
            assert _overflow(page) <= 0, username

            phone = browser.new_context(viewport=PHONE, locale="fr-FR", is_mobile=True)
            try:
                small = phone.new_page()
                sign_in(small, live, username)
                assert _overflow(small) <= 0, f"{username} at 390 px"
            finally:
                phone.close()
        finally:
            context.close()
    page = browser.new_page(viewport=LAPTOP, locale="fr-FR")
    sign_in(page, live, "conseiller")
    expect(page.locator("header .structure-name")).to_have_text("ML_NORD")
    page.close()


def _some_figures(live: Live) -> None:
    """Pathways with exits of several outcomes, so that the dashboard draws labelled bars."""
    world = live.world
    sv.publish(world.sessions, world.clock)
    for name in ("Arnaud", "Bertin", "Chevalier"):
        person = world.person("ml_nord", last_name=name)
        with unit_of_work(world.sessions) as session:
            pathways.start_pathway(
                session, world.clock, sv.PROGRAMME, person, "accueil", world.ids["conseiller"]
            )


def test_the_dashboard_fits_the_window_with_readable_charts(
    contexts: dict[str, BrowserContext], live: Live
) -> None:
    _some_figures(live)
    for name, context in contexts.items():
        page = context.new_page()
        sign_in(page, live, "superviseur")
        page.goto(f"{live.url}/supervision/")
        page.wait_for_function(
            "() => [...document.querySelectorAll('canvas.dashboard-chart')].every(c => ParcoursCharts.Chart.getChart(c))"
        )
        charts = page.evaluate(
            """() => [...document.querySelectorAll('canvas.dashboard-chart')].map((canvas) => {
                 const chart = ParcoursCharts.Chart.getChart(canvas);
                 const box = canvas.getBoundingClientRect();
                 const category = chart.options.indexAxis === 'y' ? chart.scales.y : chart.scales.x;
                 return { width: box.width, height: box.height, right: box.right,
                          labels: chart.data.labels.length, ticks: category.ticks.length,
                          rotation: category.labelRotation || 0 };
               })"""
        )
        assert charts, name
        width = PHONE["width"] if name == "phone" else LAPTOP["width"]
        for chart in charts:
            assert chart["height"] >= 220 and chart["width"] >= 200, (name, chart)
            assert chart["right"] <= width, (name, chart)
            assert chart["ticks"] == chart["labels"] and chart["rotation"] == 0, (name, chart)
        assert _overflow(page) <= 0, name
        page.close()


def test_the_portal_experiences_read_as_cards_on_a_phone(
    cheap_code_hashing: None, contexts: dict[str, BrowserContext], live: Live
) -> None:
    world = live.world
    world.start(last_name="Costa", first_name="Maria")
    with unit_of_work(world.sessions) as session:
        person = session.scalar(select(Beneficiary).where(Beneficiary.last_name == "Costa"))
        assert person is not None
        referent = accounts.by_username(session, "conseiller")
        code = portal.display_code(portal.issue_code(session, world.clock, referent, person.id, "/t"))
        for company, kind in (
            ("Association intercommunale d'aide à domicile du bassin de Montluçon", "benevolat"),
            ("Boulangerie Santucci", "creation_activite"),
        ):
            period = passport.ExperienceInput(company, "G", kind, date(2026, 1, 2), date(2026, 1, 4))
            passport.add_experience(session, world.clock, referent, person.id, period, "/t")
        identifier = person.identifier

    phone = contexts["phone"].new_page()
    phone.goto(f"{live.url}/mon-passeport/connexion")
    phone.fill("#identifier", identifier)
    phone.fill("#code", code)
    phone.click("#portal-sign-in button[type=submit]")
    phone.wait_for_load_state("load")  # styles applied before anything is measured (see sign_in)
    expect(phone.locator("#experiences")).to_contain_text("Bénévolat, volontariat")
    cells = [cell.bounding_box() for cell in phone.locator("#experiences td").all()]
    assert cells and all(box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"] for box in cells)
    scroller = phone.locator("#experiences").evaluate(
        "t => t.parentElement.scrollWidth - t.parentElement.clientWidth"
    )
    assert scroller <= 0, "the experiences scroll sideways"
    expect(phone.locator('#experiences td[data-label="Nature"]').first).to_be_visible()
    assert _overflow(phone) <= 0


def test_the_filters_fold_away_until_one_is_applied(contexts: dict[str, BrowserContext], live: Live) -> None:
    for username, path, applied in (
        ("superviseur", "/supervision/blocages", "?reason=idle_too_long"),
        ("administrateur", "/admin/comptes", "?role=counsellor"),
    ):
        for context in contexts.values():
            page = context.new_page()
            sign_in(page, live, username)
            page.goto(live.url + path)
            expect(page.locator("details#filters")).not_to_have_attribute("open", "")
            expect(page.locator("details#filters form")).to_be_hidden()
            assert _overflow(page) <= 0, path
            page.click("#filters summary")
            expect(page.locator("details#filters form")).to_be_visible()
            page.goto(live.url + path + applied)
            expect(page.locator("details#filters")).to_have_attribute("open", "")
            expect(page.locator("#filters summary")).to_contain_text("filtres appliqués")
            page.close()
