"""The studio's "Simuler" panel in Chromium, against the workspace's live server (waitress, CSRF on).

A coordinator starts a draft of `reference` and simulates it with answers drawn from the forms: the
outcome, the path and "no incident" appear, the path is marked on the diagram. Then a scenario pasted
as YAML makes the draft's script divide by zero: the incident is listed with its element, marked on
the diagram as an error, and the run says the pathway did not reach an end. No pathway is created.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from parcours_engine.persistence.models import Pathway
from tests.e2e.conftest import Live, sign_in

pytestmark = pytest.mark.e2e

ZERO = "answers:\n  Diagnostic: {besoin_formation: false, diviseur: 0}\n"


def _element(element_id: str) -> str:
    return f'.djs-element[data-element-id="{element_id}"]'


def _pathways(live: Live) -> int:
    with live.world.sessions() as session:
        return session.scalar(select(func.count(Pathway.id))) or 0


def test_a_coordinator_simulates_a_draft_then_finds_the_incident_of_a_scenario(
    page: Page, live: Live
) -> None:
    before = _pathways(live)
    sign_in(page, live, "coordination")
    page.goto(f"{live.url}/studio/reference")
    page.click("#start-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/studio/reference/brouillons/\d+$"))
    expect(page.locator("#studio")).to_have_attribute("data-ready", "true")

    # Answers drawn from the forms: the run reaches its end.
    page.fill("#sim-seed", "3")
    page.click("#simulate")
    expect(page.locator("#sim-result")).to_be_visible()
    expect(page.locator("#sim-outcome")).to_contain_text("Issue :")
    expect(page.locator("#sim-incidents")).to_have_text("Aucun incident.")
    path = page.locator("#sim-path li")
    expect(path.first).to_contain_text("Repérage")
    expect(page.locator("#sim-path")).to_contain_text("Attendre 7 jours")
    expect(page.locator(_element("Task_accueil"))).to_have_class(re.compile(r"\bparcours-path\b"))

    # A scenario pasted as YAML: the script divides by zero.
    page.fill("#sim-scenario", ZERO)
    expect(page.locator('input[name="sim-source"][value="pasted"]')).to_be_checked()
    page.click("#simulate")
    expect(page.locator("#sim-incidents li")).to_have_count(1)
    expect(page.locator("#sim-incidents")).to_contain_text(
        "Le modèle a échoué à « Calculer l'échéance » (Script_calcul) : ligne 2 : division par zéro"
    )
    expect(page.locator("#sim-outcome")).to_contain_text("Le parcours n'a pas atteint de fin (Diagnostic)")
    expect(page.locator(_element("Script_calcul"))).to_have_class(re.compile(r"\bparcours-error\b"))
    expect(page.locator(_element("Task_diagnostic"))).not_to_have_class(re.compile(r"\bparcours-path\b"))
    assert _pathways(live) == before
