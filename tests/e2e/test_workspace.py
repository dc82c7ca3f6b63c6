"""The counsellors' workspace in Chromium, against a real server (waitress) on 127.0.0.1.

The server runs the production configuration (secure, HttpOnly, SameSite=Lax cookies; CSRF on) on a
temporary SQLite database with the fixture library published and one account per role.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Page, expect
from waitress.server import create_server

from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.web import create_app
from tests.functional.conftest import ACCUEIL, PASSWORD, World, build_world

# Re-exported so that its autouse applies here too (light argon2 for the test accounts).
from tests.functional.conftest import cheap_password_hashing as cheap_password_hashing

pytestmark = pytest.mark.e2e


@dataclass
class Live:
    url: str
    world: World


@pytest.fixture
def live(sqlite_template, tmp_path, clock) -> Iterator[Live]:
    path = tmp_path / "e2e.sqlite3"
    shutil.copy(sqlite_template, path)
    database = f"sqlite:///{path}"
    world = build_world(database, session_factory(make_engine(database)), clock)
    app = create_app({"DATABASE_URL": database, "SECRET_KEY": "e2e-secret", "CLOCK": clock})
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield Live(f"http://127.0.0.1:{server.effective_port}", world)
    finally:
        server.close()


def _sign_in(page: Page, live: Live, username: str) -> None:
    page.goto(f"{live.url}/connexion")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=Se connecter")
    expect(page.locator("h1")).to_have_text("Mes tâches")


def test_a_counsellor_completes_a_diagnostic_after_fixing_a_field_error(page: Page, live: Live):
    pathway_id = live.world.start(last_name="Lambert")
    live.world.complete(pathway_id, ACCUEIL)
    _sign_in(page, live, "conseiller")
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
    _sign_in(page, live, "conseiller")
    page.goto(f"{live.url}/parcours/{pathway_id}")
    page.select_option("#referent-select", label="Collegue")
    page.click("#transfer-form >> text=Transférer")
    expect(page.locator("#notice")).to_have_text("Le parcours a été transféré.")

    context = browser.new_context(locale="fr-FR")
    try:
        other = context.new_page()
        _sign_in(other, live, "collegue")
        expect(other.locator("#unread-count")).to_have_text("1")
        other.click("#notifications-link")
        expect(other.locator("#notifications")).to_contain_text("Vous êtes le nouveau référent")
        other.click("#notifications >> text=Voir le parcours")
        expect(other.locator("h1")).to_contain_text("MOREAU")
    finally:
        context.close()
