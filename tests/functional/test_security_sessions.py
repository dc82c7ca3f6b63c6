"""Issue 14, sessions the server can end: each finding of the review, as a person or an attacker would
meet it.

A session cookie is signed, not stored: before, whoever held a copy stayed signed in for good. Now a
cookie carries its account's session generation, which signing out, a new password, deactivation
and a change of rights bump; sessions also end after 30 idle minutes and 12 hours in all; API
tokens expire and can be revoked; a new access card ends the person's portal sessions; and the
address that protects a session is the socket's, not what a client writes in X-Forwarded-For.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from sqlalchemy import select

from parcours_engine.accounts import accounts, tokens
from parcours_engine.passport import portal
from parcours_engine.persistence.models import ApiToken, Beneficiary
from parcours_engine.persistence.models.admin import AccountEvent
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.web import create_app
from tests.functional.conftest import PASSWORD, Client, World

PORTAL_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
ADMIN = "administrateur"


pytestmark = pytest.mark.usefixtures("cheap_code_hashing")  # tests.functional.conftest


def copy_of(world: World, client: Client) -> Client:
    """Another browser holding a copy of `client`'s session cookie (stolen, or a second tab)."""
    cookie = client.raw.get_cookie("session")
    assert cookie is not None
    thief = world.client()
    thief.raw.set_cookie("session", cookie.value)
    return thief


def signed_in(client: Client) -> bool:
    response = client.get("/taches")
    assert response.status_code in (200, 302), response.status_code
    return response.status_code == 200


# -- the server ends sessions ---------------------------------------------------------------------


def test_a_cookie_captured_before_sign_out_no_longer_works_after_it(world: World) -> None:
    client = world.client("conseiller")
    captured = copy_of(world, client)
    assert signed_in(captured)
    assert client.post("/deconnexion").status_code == 303
    assert not signed_in(captured)
    assert not signed_in(client)
    assert world.client("conseiller") and signed_in(world.client("conseiller"))  # signing in again works


def test_an_admin_password_reset_ends_the_sessions_and_the_api_tokens(world: World) -> None:
    client = world.client("conseiller")
    api = world.api("conseiller")
    assert api.get("/work-items").status_code == 200
    admin = world.client(ADMIN)
    assert admin.post(f"/admin/comptes/{world.ids['conseiller']}/mot-de-passe").status_code == 200
    assert not signed_in(client)
    assert api.get("/work-items").status_code == 401


def test_a_change_of_rights_ends_the_sessions_opened_with_the_old_ones(world: World) -> None:
    client = world.client("collegue")
    assert signed_in(client)
    admin = world.client(ADMIN)
    changed = admin.post(
        f"/admin/comptes/{world.ids['collegue']}", {"role": "supervisor", "structure": "ml_nord"}
    )
    assert changed.status_code == 303
    assert not signed_in(client)


def test_a_deactivation_ends_sessions_and_tokens_for_good(world: World) -> None:
    client = world.client("conseiller")
    account_id = world.ids["conseiller"]
    admin = world.client(ADMIN)
    assert admin.post(f"/admin/comptes/{account_id}/desactiver", {"confirm": "1"}).status_code == 303
    assert admin.post(f"/admin/comptes/{account_id}/reactiver").status_code == 303
    assert not signed_in(client)
    assert world.api("conseiller").get("/work-items").status_code == 401


# -- idle timeout and absolute lifetime -------------------------------------------------------------


def test_a_session_ends_after_30_idle_minutes(world: World) -> None:
    client = world.client("conseiller")
    world.clock.advance(timedelta(minutes=29))
    assert signed_in(client)  # activity keeps it open
    world.clock.advance(timedelta(minutes=29))
    assert signed_in(client)
    world.clock.advance(timedelta(minutes=31))
    assert not signed_in(client)


def test_a_session_ends_12_hours_after_signing_in_however_active(world: World) -> None:
    client = world.client("conseiller")
    for _ in range(12 * 3 - 1):
        world.clock.advance(timedelta(minutes=20))
        assert signed_in(client)
    world.clock.advance(timedelta(minutes=21))
    assert not signed_in(client)


def test_the_idle_timeout_is_configurable(world: World, database_url: str, monkeypatch) -> None:
    monkeypatch.setenv("PARCOURS_SESSION_IDLE_MINUTES", "5")
    monkeypatch.setenv("PARCOURS_SESSION_MAX_HOURS", "1")
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "t", "CLOCK": world.clock})
    assert app.config["SESSION_IDLE_TIMEOUT"] == timedelta(minutes=5)
    assert app.config["SESSION_MAX_LIFETIME"] == timedelta(hours=1)
    client = Client(app.test_client())
    client.sign_in("conseiller")
    world.clock.advance(timedelta(minutes=6))
    assert not signed_in(client)


def test_a_portal_session_ends_when_idle_too(world: World) -> None:
    person, _person_id, _identifier = portal_person(world)
    assert person.get("/mon-passeport/").status_code == 200
    world.clock.advance(timedelta(minutes=31))
    assert person.get("/mon-passeport/").status_code == 303


# -- API tokens ---------------------------------------------------------------------------------------


def test_api_tokens_expire(world: World) -> None:
    api = world.api("conseiller")
    assert api.get("/work-items").status_code == 200
    world.clock.advance(timedelta(days=tokens.DEFAULT_DAYS, minutes=1))
    assert api.get("/work-items").status_code == 401


def test_the_owner_lists_and_revokes_their_tokens_and_nobody_elses(world: World) -> None:
    client = world.client("conseiller")
    page = unescape(client.get("/compte/jetons").get_data(as_text=True))
    assert "en vigueur" in page and "Révoquer" in page
    (mine,) = _token_ids(world, "conseiller")
    (theirs,) = _token_ids(world, "collegue")
    assert client.post(f"/compte/jetons/{theirs}/revoquer").status_code == 403
    assert world.api("collegue").get("/work-items").status_code == 200
    assert client.post(f"/compte/jetons/{mine}/revoquer").status_code == 303
    assert world.api("conseiller").get("/work-items").status_code == 401
    assert "révoqué le" in unescape(client.get("/compte/jetons").get_data(as_text=True))


def test_an_admin_lists_and_revokes_an_accounts_tokens_in_its_journal(world: World) -> None:
    admin = world.client(ADMIN)
    account_id = world.ids["conseiller"]
    page = unescape(admin.get(f"/admin/comptes/{account_id}").get_data(as_text=True))
    assert 'id="api-tokens"' in page and "en vigueur" in page
    (token_id,) = _token_ids(world, "conseiller")
    revoked = admin.post(f"/admin/comptes/{account_id}/jetons/{token_id}/revoquer")
    assert revoked.status_code == 303
    assert world.api("conseiller").get("/work-items").status_code == 401
    with world.sessions() as session:
        kinds = session.scalars(select(AccountEvent.kind).where(AccountEvent.account_id == account_id))
        assert list(kinds) == ["token_revoked"]
    (other,) = _token_ids(world, "collegue")  # a token of another account: not through this one's page
    assert admin.post(f"/admin/comptes/{account_id}/jetons/{other}/revoquer").status_code == 404
    assert world.api("collegue").get("/work-items").status_code == 200


def _token_ids(world: World, username: str) -> list[int]:
    with world.sessions() as session:
        return list(session.scalars(select(ApiToken.id).where(ApiToken.account_id == world.ids[username])))


# -- the person's portal ------------------------------------------------------------------------------


def portal_person(world: World) -> tuple[Client, int, str]:
    """A person signed in to their portal with a fresh code: their client, id and identifier."""
    world.start()
    with unit_of_work(world.sessions) as session:
        person = session.scalar(select(Beneficiary).order_by(Beneficiary.id.desc()))
        assert person is not None
        referent = accounts.by_username(session, "conseiller")
        code = portal.issue_code(session, world.clock, referent, person.id, "/t")
        person_id, identifier = person.id, person.identifier
    client = Client(world.app.test_client())
    assert portal_sign_in(client, identifier, code).status_code == 303
    return client, person_id, identifier


def portal_sign_in(client: Client, identifier: str, code: str, **kwargs) -> object:
    found = PORTAL_CSRF.search(client.get("/mon-passeport/connexion").get_data(as_text=True))
    assert found
    body = {"identifier": identifier, "code": code, "csrf_token": found.group(1)}
    return client.raw.post("/mon-passeport/connexion", data=body, **kwargs)


def test_a_new_access_card_ends_the_persons_portal_sessions(world: World) -> None:
    person, person_id, _identifier = portal_person(world)
    assert person.get("/mon-passeport/").status_code == 200
    referent = world.client("conseiller")
    assert referent.post(f"/personnes/{person_id}/carte-acces").status_code == 200
    ended = person.get("/mon-passeport/")
    assert ended.status_code == 303 and "/mon-passeport/connexion" in ended.headers["Location"]


def test_a_portal_cookie_captured_before_sign_out_no_longer_works_after_it(world: World) -> None:
    person, _person_id, _identifier = portal_person(world)
    captured = copy_of(world, person)
    assert captured.get("/mon-passeport/").status_code == 200
    found = PORTAL_CSRF.search(person.get("/mon-passeport/").get_data(as_text=True))
    assert found
    out = person.raw.post("/mon-passeport/deconnexion", data={"csrf_token": found.group(1)})
    assert out.status_code == 303
    assert captured.get("/mon-passeport/").status_code == 303


# -- proxies ------------------------------------------------------------------------------------------


def test_session_protection_does_not_believe_x_forwarded_for(world: World) -> None:
    client = world.client()
    spoofed = {"X-Forwarded-For": "203.0.113.5", "User-Agent": "Firefox"}
    victim = {"REMOTE_ADDR": "192.0.2.10"}
    body = {"username": "conseiller", "password": PASSWORD, "csrf_token": client.token()}
    assert client.raw.post("/connexion", data=body, headers=spoofed, environ_base=victim).status_code == 303
    assert client.raw.get("/taches", headers=spoofed, environ_base=victim).status_code == 200
    # The same cookie, the same claimed address, from another machine: the session is not its.
    elsewhere = client.raw.get("/taches", headers=spoofed, environ_base={"REMOTE_ADDR": "198.51.100.66"})
    assert elsewhere.status_code == 302


def test_behind_trusted_proxies_the_forwarded_address_is_the_clients(world: World, database_url: str) -> None:
    settings = {"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "t", "CLOCK": world.clock}
    behind = create_app({**settings, "TRUSTED_PROXIES": 1})
    client = Client(behind.test_client())
    proxy = {"REMOTE_ADDR": "10.0.0.1"}
    for n in range(accounts.BY_ADDRESS.failures):
        body = {"username": f"nobody{n}", "password": "x", "csrf_token": client.token()}
        headers = {"X-Forwarded-For": "203.0.113.5"}
        assert (
            client.raw.post("/connexion", data=body, headers=headers, environ_base=proxy).status_code == 401
        )
    body = {"username": "conseiller", "password": PASSWORD, "csrf_token": client.token()}
    locked = client.raw.post(
        "/connexion", data=body, headers={"X-Forwarded-For": "203.0.113.5"}, environ_base=proxy
    )
    assert locked.status_code == 429  # that client's address is locked...
    other = client.raw.post(
        "/connexion", data=body, headers={"X-Forwarded-For": "203.0.113.77"}, environ_base=proxy
    )
    assert other.status_code == 303  # ...not everyone behind the same proxy
