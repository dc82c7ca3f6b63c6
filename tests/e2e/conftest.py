"""Browser fixtures: Debian's Chromium driven by Playwright for Python.

`browser` (one per test session) and `page` (a fresh context per test, French, 1280x900); `live`, a
real server (waitress on 127.0.0.1, the production cookie and CSRF settings) on a temporary SQLite
database with the fixture library published and one account per role; `sign_in` through its form.
Chromium is /usr/bin/chromium (Debian package `chromium`; `.ci/run` installs it). Playwright
never downloads a browser here. If Chromium is missing or cannot start, the tests fail: never
skip. Pages served by tests are on 127.0.0.1 only.
"""

from __future__ import annotations

import re
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright
from waitress.server import create_server

from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.web import create_app
from tests.functional.conftest import PASSWORD, World, build_world

# The portal's light code hashing, for the tests that issue portal codes (requested by name).
from tests.functional.conftest import cheap_code_hashing as cheap_code_hashing

# Re-exported so that its autouse applies here too (light argon2 for the test accounts).
from tests.functional.conftest import cheap_password_hashing as cheap_password_hashing

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    # Without these Chromium keeps trying hosts this machine cannot reach.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium", pytrace=False)
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        except Exception as exc:
            pytest.fail(f"Chromium could not start: {exc}", pytrace=False)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a new browser context (no cookies or storage shared between tests)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="fr-FR")
    try:
        yield context.new_page()
    finally:
        context.close()


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


def sign_in(page: Page, live: Live, username: str, password: str = PASSWORD) -> None:
    """Sign in through the form and wait until the page has left it."""
    page.goto(f"{live.url}/connexion")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit] >> text=Se connecter")
    expect(page).not_to_have_url(re.compile(r"/connexion"))
    # The URL changes when the next page's navigation commits, before its stylesheet has loaded:
    # a layout measured then is the unstyled page's (CI once saw the header 100 px high at x=8).
    page.wait_for_load_state("load")
