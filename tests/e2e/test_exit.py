"""An exit in Chromium (issue 15, point 1): the referent chooses an outcome (none preselected), reads
the summary on a confirmation page, confirms, and the pathway is ended; a supervisor corrects it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.conftest import Live, sign_in

pytestmark = pytest.mark.e2e


def test_exit_goes_through_a_confirmation_then_a_supervisor_corrects_it(page: Page, live: Live):
    pathway_id = live.world.start(last_name="Lambert", first_name="Chloé")
    sign_in(page, live, "conseiller")
    page.goto(f"{live.url}/parcours/{pathway_id}")
    outcome = page.locator("#exit-form select[name=outcome]")
    expect(outcome).to_have_value("")  # nothing preselected
    page.click("#exit-form button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/parcours/{pathway_id}$"))  # the browser asks for a choice
    expect(page.locator("#pathway-status")).to_have_text("en cours")

    outcome.select_option("cdi")
    page.click("#exit-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Confirmer la sortie du parcours")
    summary = page.locator("#exit-summary")
    expect(summary).to_contain_text("LAMBERT Chloé")
    expect(page.locator("#exit-outcome")).to_have_text("CDI")
    expect(page.locator("#exit-date")).to_have_text("05/01/2026")

    page.click("#exit-cancel")  # going back changes nothing
    expect(page.locator("#pathway-status")).to_have_text("en cours")

    outcome.select_option("cdi")
    page.click("#exit-form button[type=submit]")
    page.click("#exit-confirm-form button[type=submit]")
    expect(page).to_have_url(re.compile(rf"/parcours/{pathway_id}$"))
    expect(page.locator("#pathway-status")).to_have_text("terminé — CDI")
    expect(page.locator("#exit-form")).to_have_count(0)

    page.context.clear_cookies()
    sign_in(page, live, "superviseur")
    page.goto(f"{live.url}/parcours/{pathway_id}")
    page.select_option("#correction-outcome", "cdd_moins_6_mois")
    page.select_option("#correction-reason", "erreur_saisie")
    page.click("#correction-form button[type=submit]")
    expect(page.locator("#pathway-status")).to_have_text("terminé — CDD de moins de 6 mois")
    expect(page.locator("#exit-corrections")).to_contain_text("CDI → CDD de moins de 6 mois")
    expect(page.locator("#exit-corrections")).to_contain_text("Erreur de saisie")
