"""The admin area in Chromium, against the workspace's live server (waitress, CSRF on): an admin
creates a counsellor, fixing a field error on the way, and the counsellor signs in with the password
shown once. Chromium missing fails the test (tests/e2e/conftest.py).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

# The workspace's live server (waitress on 127.0.0.1, production cookie and CSRF settings).
from tests.e2e.conftest import Live, sign_in

# Re-exported so that its autouse applies here too (light argon2 for the test accounts).
from tests.functional.conftest import PASSWORD
from tests.functional.conftest import cheap_password_hashing as cheap_password_hashing

pytestmark = pytest.mark.e2e


def test_an_admin_creates_a_counsellor_who_signs_in_with_the_one_time_password(page: Page, live: Live):
    sign_in(page, live, "administrateur", PASSWORD)
    page.click("#admin-link")
    expect(page.locator("h1")).to_contain_text("Comptes")
    page.click("#new-account-link")
    page.fill("#username", "camille")
    page.fill("#display_name", "Camille Conseillère")
    page.select_option("#role", "counsellor")
    page.select_option("#team", "referent")
    page.click("button[type=submit] >> text=Créer le compte")
    expect(page.locator("#err-structure")).to_contain_text("Obligatoire pour ce rôle")
    expect(page.locator("#display_name")).to_have_value("Camille Conseillère")  # kept as typed
    page.select_option("#structure", "ml_nord")
    page.click("button[type=submit] >> text=Créer le compte")
    expect(page.locator("h1")).to_have_text("Compte créé")
    password = page.locator("#one-time-password").inner_text().strip()
    assert re.fullmatch(r"[a-z2-9]{4}(-[a-z2-9]{4}){3}", password)
    page.click("#account-link")
    expect(page.locator("#journal")).to_contain_text("Compte créé")
    expect(page.locator("body")).not_to_contain_text(password)  # shown once only
    page.click("button >> text=Se déconnecter")
    sign_in(page, live, "camille", password)
    expect(page.locator(".whoami")).to_have_text("Camille Conseillère")
    expect(page.locator("#admin-link")).to_have_count(0)
    page.goto(f"{live.url}/admin/comptes")
    expect(page.locator("h1")).to_have_text("Vous n'avez pas accès à ce dossier.")
