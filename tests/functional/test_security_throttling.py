"""Issue 14, brute force: sign-in, the portal and API tokens are throttled in the database, per
account whatever the address and per address whatever the account, and nothing tells an unknown,
deactivated or locked account from another: the same answer and one argon2 verification each.

Findings of the review, each a test below: from another address the right password worked right
after a lock, and four wrong passwords per account could be tried without limit across addresses;
deactivated accounts answered in 18 ms against ~500 ms (no hash verified); the portal's lock per
identifier locked out people by their sequential identifiers and told which ones had a code; 300
random API tokens all got 401, with no limit.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select

from parcours_engine.accounts import accounts, tokens
from parcours_engine.passport import portal
from parcours_engine.persistence.models import Beneficiary
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.web import create_app
from tests.functional.conftest import PASSWORD, Client, World

PORTAL_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
HERE, ELSEWHERE = {"REMOTE_ADDR": "192.0.2.1"}, {"REMOTE_ADDR": "198.51.100.7"}


class CountingHasher:
    """An argon2 hasher that counts its verifications (the cost an attacker could time)."""

    def __init__(self) -> None:
        self.light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
        self.verified = 0

    def hash(self, secret: str) -> str:
        return self.light.hash(secret)

    def verify(self, stored: str, secret: str) -> bool:
        self.verified += 1
        return self.light.verify(stored, secret)


@pytest.fixture
def hasher(monkeypatch: pytest.MonkeyPatch) -> CountingHasher:
    counting = CountingHasher()
    for module in (accounts, portal):
        monkeypatch.setattr(module, "_hasher", counting)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", counting.hash("not-a-password"))
    monkeypatch.setattr(portal, "_DUMMY_HASH", counting.hash("AAAAAAAA"))
    return counting


def sign_in(client: Client, username: str, password: str, where: dict[str, str] = HERE) -> Any:
    body = {"username": username, "password": password, "csrf_token": client.token()}
    return client.raw.post("/connexion", data=body, environ_base=where)


def answer(response: Any) -> tuple[int, str]:
    """What a client can tell of a refusal: the status and the page's message."""
    page = response.get_data(as_text=True)
    found = re.search(r'<p class="error" role="alert">([^<]*)</p>', page)
    return response.status_code, found.group(1) if found else ""


# -- staff sign-in ----------------------------------------------------------------------------------


def test_a_locked_account_stays_locked_from_any_address(world: World, hasher: CountingHasher) -> None:
    client = world.client()
    for n in range(accounts.MAX_FAILURES):
        where = {"REMOTE_ADDR": f"192.0.2.{n + 1}"}  # each wrong password from another address
        assert sign_in(client, "conseiller", "wrong", where).status_code == 401
    assert sign_in(client, "conseiller", PASSWORD, {"REMOTE_ADDR": "203.0.113.9"}).status_code == 429


def test_one_address_trying_many_accounts_is_locked_out(world: World, hasher: CountingHasher) -> None:
    client = world.client()
    for n in range(accounts.BY_ADDRESS.failures):
        assert sign_in(client, f"guess{n}", "wrong").status_code == 401
    assert sign_in(client, "conseiller", PASSWORD).status_code == 429  # from there, not even right
    assert sign_in(client, "conseiller", PASSWORD, ELSEWHERE).status_code == 303  # others sign in


def test_unknown_deactivated_and_wrong_get_the_same_answer_and_the_same_cost(
    world: World, hasher: CountingHasher
) -> None:
    with unit_of_work(world.sessions) as session:
        accounts.by_username(session, "collegue").active = False
    client = world.client()
    answers = set()
    for username, password in (("conseiller", "wrong"), ("personne", "wrong"), ("collegue", PASSWORD)):
        before = hasher.verified
        answers.add(answer(sign_in(client, username, password)))
        assert hasher.verified - before == 1, username  # one argon2 verification, whoever it is
    assert len(answers) == 1 and answers.pop()[0] == 401


def test_a_locked_username_answers_alike_whether_it_exists_or_not(
    world: World, hasher: CountingHasher
) -> None:
    client = world.client()
    locked = set()
    for username in ("conseiller", "personne"):
        for _ in range(accounts.MAX_FAILURES):
            sign_in(client, username, "wrong", ELSEWHERE)
        before = hasher.verified
        locked.add(answer(sign_in(client, username, PASSWORD, {"REMOTE_ADDR": "203.0.113.9"})))
        assert hasher.verified - before == 1  # locked: the same cost as any attempt
    assert len(locked) == 1 and locked.pop()[0] == 429


def test_the_lock_holds_across_processes(world: World, database_url: str, hasher: CountingHasher) -> None:
    settings = {"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test", "CLOCK": world.clock}
    first, second = (Client(create_app(settings).test_client()) for _ in range(2))
    for _ in range(accounts.MAX_FAILURES):
        assert sign_in(first, "conseiller", "wrong").status_code == 401
    assert sign_in(second, "conseiller", PASSWORD, ELSEWHERE).status_code == 429


# -- the person's portal ------------------------------------------------------------------------------


def portal_sign_in(client: Client, identifier: str, code: str, where: dict[str, str] = HERE) -> Any:
    found = PORTAL_CSRF.search(client.get("/mon-passeport/connexion").get_data(as_text=True))
    assert found
    body = {"identifier": identifier, "code": code, "csrf_token": found.group(1)}
    return client.raw.post("/mon-passeport/connexion", data=body, environ_base=where)


def two_people(world: World) -> tuple[str, str, str]:
    """The identifiers of a person with a portal code and of one without, and the code."""
    world.start()
    world.start()
    with unit_of_work(world.sessions) as session:
        first, second = session.scalars(select(Beneficiary).order_by(Beneficiary.id)).all()[-2:]
        referent = accounts.by_username(session, "conseiller")
        code = portal.issue_code(session, world.clock, referent, first.id, "/t")
        return first.identifier, second.identifier, code


def test_the_portal_answers_alike_whether_an_identifier_has_a_code_or_not(
    world: World, hasher: CountingHasher
) -> None:
    with_code, without_code, _code = two_people(world)
    client = Client(world.app.test_client())
    answers = set()
    for identifier in (with_code, without_code, "PE-2026-999999"):
        before = hasher.verified
        answers.add(answer(portal_sign_in(client, identifier, "AAAA-AAAA")))
        assert hasher.verified - before == 1, identifier
    assert len(answers) == 1 and answers.pop()[0] == 401


def test_wrong_codes_lock_an_address_never_a_person(world: World, hasher: CountingHasher) -> None:
    with_code, without_code, code = two_people(world)
    attacker = Client(world.app.test_client())
    for n in range(portal.MAX_FAILURES):  # sequential identifiers, as an attacker would try them
        identifier = (with_code, without_code)[n % 2]
        assert portal_sign_in(attacker, identifier, "AAAA-AAAA").status_code == 401
    locked = {answer(portal_sign_in(attacker, i, "AAAA-AAAA")) for i in (with_code, without_code)}
    assert len(locked) == 1 and locked.pop()[0] == 429  # the same for both: no oracle
    assert portal_sign_in(attacker, with_code, code).status_code == 429  # from there, not even right
    person = Client(world.app.test_client())
    assert portal_sign_in(person, with_code, code, ELSEWHERE).status_code == 303  # not locked out


# -- API tokens -----------------------------------------------------------------------------------------


def test_random_api_tokens_get_the_address_refused(world: World) -> None:
    raw = world.app.test_client()
    statuses = []
    for n in range(tokens.BY_ADDRESS.failures + 5):
        headers = {"Authorization": f"Bearer random-{n:04d}-{'x' * 30}"}
        statuses.append(raw.get("/api/v1/work-items", headers=headers, environ_base=HERE).status_code)
    assert statuses[: tokens.BY_ADDRESS.failures] == [401] * tokens.BY_ADDRESS.failures
    assert set(statuses[tokens.BY_ADDRESS.failures :]) == {429}
    right = {"Authorization": f"Bearer {world.tokens['conseiller']}"}
    refused = raw.get("/api/v1/work-items", headers=right, environ_base=HERE)
    assert refused.status_code == 429 and refused.headers["Retry-After"]
    assert raw.get("/api/v1/work-items", headers=right, environ_base=ELSEWHERE).status_code == 200


def test_wrong_tokens_on_writes_are_counted_too(world: World) -> None:
    raw = world.app.test_client()
    for n in range(tokens.BY_ADDRESS.failures):
        headers = {"Authorization": f"Bearer wrong-{n}"}
        response = raw.post("/api/v1/beneficiaries", json={}, headers=headers, environ_base=HERE)
        assert response.status_code == 401
    right = {"Authorization": f"Bearer {world.tokens['conseiller']}"}
    assert raw.get("/api/v1/work-items", headers=right, environ_base=HERE).status_code == 429
