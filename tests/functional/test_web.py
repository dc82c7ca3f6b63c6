"""The web host's basics: health, language, sign-in, CSRF, throttling, cookies."""

from __future__ import annotations

import re
from datetime import timedelta

from parcours_engine.web import create_app
from tests.functional.conftest import PASSWORD


def test_healthz_checks_the_database(world):
    response = world.client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_every_answer_carries_its_wall_and_cpu_server_time(world):
    """Server-Timing has the app's wall time and the CPU time of the request (the Chromium walk holds
    pages to the CPU time: tests/e2e/test_walk.py)."""
    client = world.client("conseiller")
    for response in (client.get("/taches"), world.client().get("/healthz"), client.get("/nulle-part")):
        header = response.headers["Server-Timing"]
        assert re.fullmatch(r"app;dur=[0-9]+\.[0-9], cpu;dur=[0-9]+\.[0-9]", header), header


def test_pages_need_sign_in_and_speak_french_by_default(world):
    client = world.client()
    response = client.get("/taches")
    assert response.status_code == 302 and "/connexion" in response.headers["Location"]
    page = client.get("/connexion").get_data(as_text=True)
    assert 'lang="fr"' in page and "Mot de passe" in page


def test_english_is_available_by_switch_and_by_browser(world):
    client = world.client()
    client.post("/langue", {"lang": "en"})
    page = client.get("/connexion").get_data(as_text=True)
    assert 'lang="en"' in page and "Password" in page
    browser = world.client().get("/connexion", headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert "Password" in browser.get_data(as_text=True)


def test_sign_in_and_out(world):
    client = world.client("conseiller")
    assert client.get("/taches").status_code == 200
    assert client.post("/deconnexion").status_code == 303
    assert client.get("/taches").status_code == 302


def test_wrong_password_is_401_and_unknown_page_404(world):
    client = world.client()
    response = client.post("/connexion", {"username": "conseiller", "password": "nope"})
    assert response.status_code == 401
    assert "incorrect" in response.get_data(as_text=True)
    assert world.client("conseiller").get("/nowhere").status_code == 404


def test_a_form_without_csrf_token_is_refused(world):
    client = world.client()
    response = client.post("/connexion", {"username": "conseiller", "password": PASSWORD}, csrf=False)
    assert response.status_code == 400
    assert "expiré" in response.get_data(as_text=True)


def test_five_failures_lock_the_username_from_every_address_for_15_minutes(world):
    client = world.client()
    for _ in range(5):
        assert client.post("/connexion", {"username": "conseiller", "password": "bad"}).status_code == 401
    locked = client.post("/connexion", {"username": "conseiller", "password": PASSWORD})
    assert locked.status_code == 429
    other_address = client.raw.post(
        "/connexion",
        data={"username": "conseiller", "password": PASSWORD, "csrf_token": client.token()},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
    )
    assert other_address.status_code == 429  # issue 14: the lock held from this address only
    world.clock.advance(timedelta(minutes=16))
    assert world.client().sign_in("conseiller").status_code == 303


def test_session_cookie_is_httponly_and_lax_and_secure_outside_tests(world, database_url):
    from parcours_engine.web import create_app

    response = world.client().post("/connexion", {"username": "conseiller", "password": PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    production = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x"})
    assert production.config["SESSION_COOKIE_SECURE"] is True


def test_htmx_posts_carry_the_csrf_token_in_a_header(world):
    pathway_id = world.start()
    item_id = world.open_item(pathway_id)
    client = world.client("accueil")
    token = client.token()
    refused = client.raw.post(f"/taches/{item_id}/prendre", headers={"HX-Request": "true"})
    assert refused.status_code == 400
    taken = client.raw.post(
        f"/taches/{item_id}/prendre", headers={"HX-Request": "true", "X-CSRFToken": token}
    )
    assert taken.status_code == 303


def test_without_a_configured_key_the_signing_key_survives_a_restart(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PARCOURS_SECRET_KEY", raising=False)
    url = f"sqlite:///{tmp_path / 'web.sqlite3'}"
    first = create_app({"DATABASE_URL": url}).config["SECRET_KEY"]
    again = create_app({"DATABASE_URL": url}).config["SECRET_KEY"]
    assert first == again and len(first) == 64
    assert (tmp_path / "instance" / "secret_key").stat().st_mode & 0o777 == 0o600
