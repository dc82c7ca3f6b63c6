"""The counsellors' workspace in Chromium, against the live server of tests/e2e/conftest.py
(waitress on 127.0.0.1, secure, HttpOnly, SameSite=Lax cookies; CSRF on)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.conftest import Live, sign_in
from tests.functional.conftest import ACCUEIL

pytestmark = pytest.mark.e2e


def test_a_counsellor_completes_a_diagnostic_after_fixing_a_field_error(page: Page, live: Live):
    pathway_id = live.world.start(last_name="Lambert")
    live.world.complete(pathway_id, ACCUEIL)
    sign_in(page, live, "conseiller")
    page.click("#tasks-mine >> text=Diagnostic")
    expect(page.locator("h1")).to_have_text("Diagnostic")
    page.check("input[name=besoin_formation][value=false]")
    page.fill("input[name=diviseur]", "12")
    page.click("text=Valider la tâche")
    expect(page.locator("#form-errors")).to_be_visible()
    expect(page.locator("#f-diviseur-error")).to_contain_text("au plus 10")
    expect(page.locator("input[name=besoin_formation][value=false]")).to_be_checked()  # kept as typed
    page.fill("input[name=diviseur]", "2")
    page.click("text=Valider la tâche")
    expect(page).to_have_url(re.compile(rf"/parcours/{pathway_id}\b"))
    expect(page.locator("#open-tasks")).to_contain_text("Recherche d'emploi")
    page.goto(f"{live.url}/taches")
    expect(page.locator("#tasks-mine")).to_contain_text("Recherche d'emploi")


def test_a_transferred_pathway_notifies_the_new_referent(browser: Browser, page: Page, live: Live):
    pathway_id = live.world.start(last_name="Moreau")
    sign_in(page, live, "conseiller")
    page.goto(f"{live.url}/parcours/{pathway_id}")
    page.select_option("#referent-select", label="Collegue")
    page.click("#transfer-form >> text=Transférer")
    expect(page.locator("#notice")).to_have_text("Le parcours a été transféré.")

    context = browser.new_context(locale="fr-FR")
    try:
        other = context.new_page()
        sign_in(other, live, "collegue")
        expect(other.locator("#unread-count")).to_have_text("1")
        other.click("#notifications-link")
        expect(other.locator("#notifications")).to_contain_text("Vous êtes le nouveau référent")
        other.click("#notifications >> text=MOREAU")  # the notice names the person and links to the file
        expect(other.locator("h1")).to_contain_text("MOREAU")
    finally:
        context.close()
