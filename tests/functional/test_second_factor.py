"""Issue 14, a second factor for staff: TOTP enrolment, the second step of signing in, recovery codes,
and PARCOURS_ADMIN_TOTP_REQUIRED for admins.

Codes are computed by pyotp from the secret the page shows and the injected clock's time, as the
person's authenticator app would compute them from its own clock.
"""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pyotp
import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner
from sqlalchemy import select

from parcours_engine.accounts import second_factor
from parcours_engine.cli import main
from parcours_engine.persistence.models import Account
from parcours_engine.persistence.models.admin import AccountEvent
from parcours_engine.persistence.models.second_factor import RecoveryCode, SecondFactor
from parcours_engine.web import create_app
from tests.functional.conftest import PASSWORD, Client, World

ADMIN = "administrateur"
SECRET = re.compile(r'<code id="totp-secret">([A-Z2-7]+)</code>')
RECOVERY = re.compile(r"<li><code>([a-z2-9]{5}-[a-z2-9]{5})</code></li>")


@pytest.fixture(autouse=True)
def cheap_code_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        second_factor, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


def code_at(world: World, secret: str, seconds: int = 0) -> str:
    return pyotp.TOTP(secret).at(world.clock.now() + timedelta(seconds=seconds))


def enrol(world: World, client: Client) -> tuple[str, list[str]]:
    """Enrol the signed-in account: (its secret, its recovery codes)."""
    assert client.post("/compte/double-authentification/debut").status_code == 303
    page = client.get("/compte/double-authentification").get_data(as_text=True)
    found = SECRET.search(page)
    assert found, page
    secret = found.group(1)
    assert "otpauth://totp/parcours-engine:" in unescape(page) and f"secret={secret}" in unescape(page)
    assert "<svg" in page  # the QR code
    confirmed = client.post("/compte/double-authentification/confirmer", {"code": code_at(world, secret)})
    assert confirmed.status_code == 200, confirmed.get_data(as_text=True)
    codes = RECOVERY.findall(confirmed.get_data(as_text=True))
    assert len(codes) == 10 and len(set(codes)) == 10
    world.clock.advance(seconds=30)  # the next code is of a new time step
    return secret, codes


def password_step(world: World, username: str, next_url: str | None = None) -> Client:
    client = world.client()
    url = "/connexion" + (f"?next={next_url}" if next_url else "")
    response = client.post(url, {"username": username, "password": PASSWORD})
    assert response.status_code == 303 and response.headers["Location"].endswith("/connexion/code")
    return client


def signed_in(client: Client) -> bool:
    response = client.get("/taches")
    assert response.status_code in (200, 302, 303), response.status_code
    return response.status_code == 200


def test_a_counsellor_enrols_and_then_signs_in_with_a_code_after_the_password(world: World) -> None:
    secret, _codes = enrol(world, world.client("conseiller"))
    with world.sessions() as session:
        factor = session.scalar(
            select(SecondFactor).where(SecondFactor.account_id == world.ids["conseiller"])
        )
        assert factor is not None and factor.confirmed_at is not None
        hashes = session.scalars(select(RecoveryCode.code_hash)).all()
        assert len(hashes) == 10 and all(h.startswith("$argon2") for h in hashes)  # never the codes
    client = password_step(world, "conseiller", next_url="/file-active")
    assert not signed_in(client)  # the password alone signs nobody in
    done = client.post("/connexion/code", {"code": code_at(world, secret)})
    assert done.status_code == 303 and done.headers["Location"].endswith("/file-active")
    assert signed_in(client)


def test_a_wrong_code_is_refused_and_five_lock_the_second_step(world: World) -> None:
    secret, _codes = enrol(world, world.client("conseiller"))
    client = password_step(world, "conseiller")
    right = code_at(world, secret)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(4):
        assert client.post("/connexion/code", {"code": wrong}).status_code == 401
    assert client.post("/connexion/code", {"code": wrong}).status_code == 429
    assert client.post("/connexion/code", {"code": right}).status_code == 429  # locked, even the right one
    assert not signed_in(client)
    world.clock.advance(minutes=16)
    again = password_step(world, "conseiller")
    assert again.post("/connexion/code", {"code": code_at(world, secret)}).status_code == 303


def test_a_code_already_used_in_its_time_step_is_refused(world: World) -> None:
    secret, _codes = enrol(world, world.client("conseiller"))
    code = code_at(world, secret)
    first = password_step(world, "conseiller")
    assert first.post("/connexion/code", {"code": code}).status_code == 303
    world.clock.advance(seconds=5)  # same step: an app shows the same code, an onlooker replays it
    second = password_step(world, "conseiller")
    assert second.post("/connexion/code", {"code": code}).status_code == 401
    # Nor the previous step's code, accepted for drift only while no later code was used.
    assert second.post("/connexion/code", {"code": code_at(world, secret, -30)}).status_code == 401
    world.clock.advance(seconds=30)
    assert second.post("/connexion/code", {"code": code_at(world, secret)}).status_code == 303


def test_a_code_of_the_next_or_previous_step_is_accepted_but_not_further(world: World) -> None:
    secret, _codes = enrol(world, world.client("conseiller"))
    world.clock.advance(minutes=5)
    client = password_step(world, "conseiller")
    assert client.post("/connexion/code", {"code": code_at(world, secret, 90)}).status_code == 401
    assert client.post("/connexion/code", {"code": code_at(world, secret, -30)}).status_code == 303


def test_a_recovery_code_signs_in_once(world: World) -> None:
    _secret, codes = enrol(world, world.client("conseiller"))
    first = password_step(world, "conseiller")
    assert first.post("/connexion/code", {"code": codes[3].upper()}).status_code == 303
    second = password_step(world, "conseiller")
    assert second.post("/connexion/code", {"code": codes[3]}).status_code == 401
    assert second.post("/connexion/code", {"code": codes[4].replace("-", "")}).status_code == 303
    page = second.get("/compte/double-authentification").get_data(as_text=True)
    assert "restants : 8" in page


def test_the_second_step_expires_and_ends_with_the_accounts_sessions(world: World) -> None:
    secret, _codes = enrol(world, world.client("conseiller"))
    late = password_step(world, "conseiller")
    world.clock.advance(minutes=6)
    expired = late.post("/connexion/code", {"code": code_at(world, secret)})
    assert expired.status_code == 303 and expired.headers["Location"].endswith("/connexion")
    assert not signed_in(late)
    pending = password_step(world, "conseiller")
    with world.sessions() as session, session.begin():
        account = session.get(Account, world.ids["conseiller"])
        assert account is not None
        account.active = False  # deactivated meanwhile
    refused = pending.post("/connexion/code", {"code": code_at(world, secret)})
    assert refused.status_code == 303 and refused.headers["Location"].endswith("/connexion")
    assert not signed_in(pending)


def test_enrolment_needs_a_right_first_code_and_ends_the_other_sessions(world: World) -> None:
    client = world.client("conseiller")
    other = world.client("conseiller")  # a session opened before the factor
    assert client.post("/compte/double-authentification/debut").status_code == 303
    secret = SECRET.search(client.get("/compte/double-authentification").get_data(as_text=True))
    assert secret
    wrong = client.post("/compte/double-authentification/confirmer", {"code": "000000"})
    assert wrong.status_code == 400 and "Code incorrect" in unescape(wrong.get_data(as_text=True))
    # Until confirmed, the password alone still signs in.
    assert world.client("conseiller").post("/connexion", {"username": "conseiller", "password": PASSWORD})
    assert signed_in(other)
    ok = client.post("/compte/double-authentification/confirmer", {"code": code_at(world, secret.group(1))})
    assert ok.status_code == 200
    assert signed_in(client) and not signed_in(other)


def test_disabling_needs_a_code_and_gives_back_the_password_only_sign_in(world: World) -> None:
    client = world.client("conseiller")
    secret, _codes = enrol(world, client)
    assert client.post("/compte/double-authentification/desactiver", {"code": "123"}).status_code == 400
    off = client.post("/compte/double-authentification/desactiver", {"code": code_at(world, secret)})
    assert off.status_code == 303 and signed_in(client)
    with world.sessions() as session:
        assert session.scalar(select(SecondFactor.id)) is None
        assert session.scalar(select(RecoveryCode.id)) is None
    world.client("conseiller")  # signs in with the password alone (asserts a 303 to the work list)


@pytest.fixture
def admins_must(world: World) -> World:
    world.app.config["ADMIN_TOTP_REQUIRED"] = True
    return world


def test_when_required_an_admin_without_a_factor_reaches_only_its_enrolment(admins_must: World) -> None:
    world = admins_must
    admin = world.client(ADMIN)
    for url in ("/admin/", "/admin/comptes", "/taches", "/compte/jetons"):
        response = admin.get(url)
        assert response.status_code == 303, url
        assert response.headers["Location"].endswith("/compte/double-authentification"), url
    assert admin.get("/compte/double-authentification").status_code == 200
    assert world.client("conseiller").get("/taches").status_code == 200  # not required of others
    secret, _codes = enrol(world, admin)
    assert admin.get("/admin/comptes").status_code == 200
    # Required: it cannot be switched off.
    kept = admin.post("/compte/double-authentification/desactiver", {"code": code_at(world, secret)})
    assert kept.status_code == 403
    client = password_step(world, ADMIN)
    assert client.post("/connexion/code", {"code": code_at(world, secret)}).status_code == 303
    assert client.get("/admin/comptes").status_code == 200


def test_the_variable_turns_the_requirement_on(database_url: str, world: World, monkeypatch) -> None:
    monkeypatch.setenv("PARCOURS_ADMIN_TOTP_REQUIRED", "1")
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "t", "CLOCK": world.clock})
    assert app.config["ADMIN_TOTP_REQUIRED"] is True
    monkeypatch.setenv("PARCOURS_ADMIN_TOTP_REQUIRED", "0")
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "t", "CLOCK": world.clock})
    assert app.config["ADMIN_TOTP_REQUIRED"] is False


def test_a_lost_device_is_reset_on_the_command_line(world: World, database_url: str) -> None:
    client = world.client("conseiller")
    enrol(world, client)
    runner = CliRunner()
    args = ["--database-url", database_url, "users", "reset-second-factor", "conseiller"]
    done = runner.invoke(main, args, catch_exceptions=False)
    assert done.exit_code == 0 and "second factor of conseiller removed" in done.output
    assert not signed_in(client)  # the sessions end: the device may be in other hands
    world.client("conseiller")  # the password alone signs in again (asserts the 303)
    again = runner.invoke(main, args, catch_exceptions=False)
    assert again.exit_code == 0 and "conseiller had no second factor" in again.output
    unknown = runner.invoke(main, [*args[:-1], "nobody"], catch_exceptions=False)
    assert unknown.exit_code == 1


def test_an_admin_resets_a_lost_device_from_the_account_page_once_confirmed(world: World) -> None:
    person = world.client("conseiller")
    enrol(world, person)
    admin = world.client(ADMIN)
    url = f"/admin/comptes/{world.ids['conseiller']}"
    assert 'id="factor-reset-form"' in admin.get(url).get_data(as_text=True)
    # First the summary: nothing is removed yet.
    summary = admin.post(url + "/second-facteur/reinitialiser")
    page = summary.get_data(as_text=True)
    assert summary.status_code == 200 and 'id="factor-reset-confirm-form"' in page
    assert '<dd id="factor-reset-codes">10</dd>' in page and "(conseiller)" in page
    assert signed_in(person)
    with world.sessions() as session:
        assert session.scalar(select(SecondFactor).where(SecondFactor.account_id == world.ids["conseiller"]))
    # Confirmed: the factor and its codes go, the person's sessions end, the journal says who did it.
    done = admin.post(url + "/second-facteur/reinitialiser", {"confirm": "1"})
    assert done.status_code == 303 and done.headers["Location"].endswith(f"{url}?facteur=1")
    account_page = admin.get(done.headers["Location"]).get_data(as_text=True)
    assert 'id="factor-reset"' in account_page and 'data-kind="second_factor_reset"' in account_page
    assert not signed_in(person)
    world.client("conseiller")  # the password alone signs in again (asserts the 303)
    with world.sessions() as session:
        for table in (SecondFactor, RecoveryCode):
            assert (
                session.scalars(select(table).where(table.account_id == world.ids["conseiller"])).all() == []
            )
        event = session.scalar(
            select(AccountEvent).where(
                AccountEvent.account_id == world.ids["conseiller"], AccountEvent.kind == "second_factor_reset"
            )
        )
        assert event is not None and event.actor_id == world.ids[ADMIN]


def test_an_admins_own_factor_is_not_reset_from_the_admin_area_nor_anyones_by_others(world: World) -> None:
    admin = world.client(ADMIN)
    enrol(world, admin)
    own = f"/admin/comptes/{world.ids[ADMIN]}/second-facteur/reinitialiser"
    refused = admin.post(own, {"confirm": "1"})
    assert refused.status_code == 400
    assert "depuis votre page « Mon compte », avec un code" in unescape(refused.get_data(as_text=True))
    person = world.client("conseiller")
    enrol(world, person)
    other = f"/admin/comptes/{world.ids['conseiller']}/second-facteur/reinitialiser"
    assert world.client("superviseur").post(other, {"confirm": "1"}).status_code == 403
    with world.sessions() as session:
        assert len(session.scalars(select(SecondFactor)).all()) == 2  # both kept
    assert signed_in(person)


def test_when_required_an_admins_api_token_is_refused_until_it_enrols(admins_must: World) -> None:
    world = admins_must
    refused = world.api(ADMIN).get("/pathways")
    assert refused.status_code == 403
    assert refused.get_json()["code"] == "token.second_factor_required"
    assert world.api("conseiller").get("/pathways").status_code == 200  # not required of others
    enrol(world, world.client(ADMIN))
    assert world.api(ADMIN).get("/pathways").status_code == 200
    served = world.app.test_client().get("/api/v1/openapi.json").get_json()
    undocumented = [
        f"{method} {path}"
        for path, item in served["paths"].items()
        for method, operation in item.items()
        if isinstance(operation, dict) and "responses" in operation and "403" not in operation["responses"]
    ]
    assert undocumented == []  # the refusal is in the document of every operation


def test_without_the_requirement_an_admins_api_token_works_without_a_factor(world: World) -> None:
    assert world.api(ADMIN).get("/pathways").status_code == 200


def test_the_totp_secret_is_kept_sealed_under_the_deployments_key(world: World) -> None:
    secret, _codes = enrol(world, world.client("conseiller"))
    key = second_factor.key_from(world.app.config["SECRET_KEY"])
    with world.sessions() as session:
        row = session.scalar(select(SecondFactor).where(SecondFactor.account_id == world.ids["conseiller"]))
        assert row is not None
        stored = row.secret
        assert secret not in stored and len(stored) == 64  # a copy of the database gives no code
        assert second_factor.secret_of(row, key) == secret
        assert second_factor.secret_of(row, second_factor.key_from("another deployment")) is None
        row.account_id = world.ids["accueil"]  # moved to another account's row, it does not open
        assert second_factor.secret_of(row, key) is None
    # Another secret key (a copied database, a key changed): the code is refused, never a crash.
    world.app.config["SECRET_KEY"] = "another deployment"
    client = password_step(world, "conseiller")
    assert client.post("/connexion/code", {"code": code_at(world, secret)}).status_code == 401


def test_a_secret_stored_before_sealing_still_signs_in_and_is_sealed_then(world: World) -> None:
    secret, _codes = enrol(world, world.client("conseiller"))
    with world.sessions() as session, session.begin():
        row = session.scalar(select(SecondFactor).where(SecondFactor.account_id == world.ids["conseiller"]))
        assert row is not None
        row.secret = secret  # as migration 0014 kept it
    client = password_step(world, "conseiller")
    assert client.post("/connexion/code", {"code": code_at(world, secret)}).status_code == 303
    with world.sessions() as session:
        row = session.scalar(select(SecondFactor).where(SecondFactor.account_id == world.ids["conseiller"]))
        assert row is not None and row.secret != secret and len(row.secret) == 64


def test_the_command_line_resets_as_an_admin_into_the_journal(world: World, database_url: str) -> None:
    enrol(world, world.client("conseiller"))
    runner = CliRunner()
    base = ["--database-url", database_url, "users", "reset-second-factor"]
    not_admin = runner.invoke(main, [*base, "conseiller", "--actor", "superviseur"], catch_exceptions=False)
    assert not_admin.exit_code == 1
    done = runner.invoke(main, [*base, "conseiller", "--actor", ADMIN], catch_exceptions=False)
    assert done.exit_code == 0 and "second factor of conseiller removed" in done.output
    with world.sessions() as session:
        event = session.scalar(select(AccountEvent).where(AccountEvent.kind == "second_factor_reset"))
        assert event is not None and (event.account_id, event.actor_id) == (
            world.ids["conseiller"],
            world.ids[ADMIN],
        )
    enrol(world, world.client(ADMIN))
    own = runner.invoke(main, [*base, ADMIN, "--actor", ADMIN], catch_exceptions=False)
    assert own.exit_code == 1 and "avec un code" in own.output
