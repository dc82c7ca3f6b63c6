"""The supervisors' pages in Chromium, against the workspace's live server (waitress, CSRF on).

A supervisor reads their structure's dashboard with its charts, sets the year's objective of entries
from the dashboard, opens the stalled list, filters it and follows a row to the pathway, then sees on
the programme's diagram how many people wait at the stalled step. Chromium missing fails the test.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from parcours_engine.pathways import pathways
from parcours_engine.persistence.uow import unit_of_work

# The workspace's live server (waitress on 127.0.0.1, production cookie and CSRF settings).
from tests.e2e.conftest import Live, sign_in
from tests.support import supervision as sv

pytestmark = pytest.mark.e2e


def _stalled_pathways(live: Live) -> list[int]:
    """Three people of ml_nord (and one of ml_sud) idle after their accueil past the threshold."""
    world = live.world
    sv.publish(world.sessions, world.clock)
    started = []
    for name, structure, by, referent in (
        ("Arnaud", "ml_nord", "accueil", "conseiller"),
        ("Bertin", "ml_nord", "accueil", "conseiller"),
        ("Chevalier", "ml_nord", "accueil", "collegue"),
        ("Sudiste", "ml_sud", "ailleurs", "ailleurs"),
    ):
        person = world.person(structure, last_name=name)
        with unit_of_work(world.sessions) as session:
            pathway = pathways.start_pathway(
                session, world.clock, sv.PROGRAMME, person, by, world.ids[referent]
            )
            started.append(pathway.id)
        sv.accueil(world.sessions, world.clock, started[-1])
    world.clock.advance(days=31)
    assert sv.sweep(world.sessions, world.clock).flagged == 4
    return started


def test_a_supervisor_reads_the_dashboard_sets_the_objective_and_follows_a_stalled_pathway(
    page: Page, live: Live
) -> None:
    first, _second, _third, elsewhere = _stalled_pathways(live)
    sign_in(page, live, "superviseur")

    page.goto(f"{live.url}/supervision/?programme={sv.PROGRAMME}")
    expect(page.locator("#scope")).to_have_text("ML_NORD")
    summary = page.locator("#table-summary tbody tr").first
    expect(summary.locator("td").nth(1)).to_have_text("3")  # ml_nord's three, not ml_sud's
    # chart.js draws into the canvases (a drawn canvas has pixels that are not transparent).
    drawn = page.wait_for_function(
        """() => [...document.querySelectorAll('canvas.dashboard-chart')].filter(c => {
             const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
             for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return true;
             return false; }).length >= 2"""
    )
    assert drawn

    page.click("#objectives summary")
    page.fill(f"#objective-{sv.PROGRAMME}", "6")
    page.locator("form.objective button[type=submit]").click()
    expect(page.locator("#table-summary tbody tr").first.locator("td").nth(3)).to_have_text("6")
    expect(page.locator("#table-summary tbody tr").first.locator("td").nth(4)).to_have_text("50")

    page.click("#stalled-link")
    expect(page.locator("#stalled-total")).to_have_text("(3)")
    expect(page.locator(f'tr[data-pathway="{elsewhere}"]')).to_have_count(0)
    expect(page.locator("details#filters")).to_have_attribute("open", "")  # the dashboard's programme applies
    page.select_option("#referent", label="Conseiller")
    page.click("form.filters button[type=submit]")
    expect(page.locator("#stalled-total")).to_have_text("(2)")
    page.locator(f'tr[data-pathway="{first}"] a').click()
    expect(page).to_have_url(re.compile(rf"/parcours/{first}$"))
    expect(page.locator("h1")).to_contain_text("ARNAUD")

    page.goto(f"{live.url}/supervision/programmes/{sv.PROGRAMME}/diagramme")
    badge = page.locator(".djs-overlays .parcours-waits")
    expect(badge).to_have_count(1)
    expect(badge).to_contain_text("3 ·")
