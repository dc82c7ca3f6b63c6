"""Issue 14, a second factor in Chromium: a counsellor enrols from the page behind their name (the QR
code drawn as inline SVG, no breach of the Content-Security-Policy), reads the recovery codes once,
and the next sign-in asks for the app's code after the password. Codes come from pyotp with the
injected clock's time, as the person's app would compute them.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pyotp
import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Page, expect

from parcours_engine.accounts import second_factor
from tests.e2e.conftest import Live, sign_in
from tests.e2e.test_csp import violations, watched
from tests.functional.conftest import PASSWORD

pytestmark = pytest.mark.e2e


@pytest.fixture(autouse=True)
def cheap_code_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        second_factor, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def test_a_counsellor_enrols_then_signs_in_with_the_apps_code(page: Page, live: Live) -> None:
    watched(page)
    clock = live.world.clock
    sign_in(page, live, "conseiller")
    page.goto(f"{live.url}/compte/jetons")
    page.click("text=Gérer la double authentification de mon compte")
    page.click("button >> text=Commencer l'activation")
    expect(page.locator("figure.qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    assert page.locator("#totp-uri").inner_text().startswith("otpauth://totp/parcours-engine:conseiller")
    page.fill("#confirm-code", pyotp.TOTP(secret).at(clock.now()))
    page.click("button >> text=Activer")
    expect(page.locator("h1")).to_have_text("Double authentification activée")
    assert page.locator(".recovery-codes li").count() == 10
    assert violations(page) == []

    clock.advance(timedelta(seconds=30))
    page.context.clear_cookies()
    page.goto(f"{live.url}/connexion")
    page.fill("#username", "conseiller")
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=Se connecter")
    expect(page).to_have_url(re.compile(r"/connexion/code$"))
    page.fill("#code", pyotp.TOTP(secret).at(clock.now()))
    page.click("button >> text=Valider")
    expect(page).to_have_url(re.compile(r"/taches"))
    assert violations(page) == []
