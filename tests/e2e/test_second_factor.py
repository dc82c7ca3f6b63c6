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

from parcours_engine.accounts import accounts, second_factor
from parcours_engine.persistence.uow import unit_of_work
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


def test_an_admin_resets_a_lost_device_after_its_confirmation_page(page: Page, live: Live) -> None:
    world, key = live.world, second_factor.key_from("e2e-secret")  # the live app's secret key
    with unit_of_work(world.sessions) as session:
        account = accounts.by_username(session, "conseiller")
        factor = second_factor.start(session, world.clock, account, key)
        secret = second_factor.secret_of(factor, key)
        assert secret is not None
        second_factor.confirm(session, world.clock, account, pyotp.TOTP(secret).at(world.clock.now()), key)
    watched(page)
    sign_in(page, live, "administrateur")
    page.goto(f"{live.url}/admin/comptes/{world.ids['conseiller']}")
    expect(page.locator("#factor-state")).to_contain_text("Activé le")
    page.click("button >> text=Réinitialiser le second facteur")
    expect(page.locator("h1")).to_have_text("Confirmer la réinitialisation du second facteur")
    expect(page.locator("#factor-reset-codes")).to_have_text("10")
    page.click("#factor-reset-cancel")  # cancelling changes nothing
    expect(page.locator("#factor-state")).to_contain_text("Activé le")
    page.click("button >> text=Réinitialiser le second facteur")
    page.click("button >> text=Confirmer la réinitialisation")
    expect(page.locator("#factor-reset")).to_be_visible()
    expect(page.locator("#factor-state")).to_have_text("Aucun second facteur.")
    expect(page.locator("#journal")).to_contain_text("Second facteur réinitialisé")
    assert violations(page) == []
    # The person signs in with the password alone again, and may enrol a new device.
    page.context.clear_cookies()
    sign_in(page, live, "conseiller")
    expect(page).to_have_url(re.compile(r"/taches"))
