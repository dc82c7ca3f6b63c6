"""Fixtures for HTTP tests: an app on a migrated database with the fixture library published, a
structure with one account per role, and a client that signs in and posts with its CSRF token."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.accounts import accounts, tokens
from parcours_engine.domain.clock import FrozenClock
from parcours_engine.passport import portal
from parcours_engine.pathways import beneficiaries, pathways
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.web import create_app
from tests.support.library import open_item, publish_fixture

PASSWORD = "correct-horse-battery"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')

# username → (role, structure code, team, routing code)
ACCOUNTS = {
    "conseiller": ("counsellor", "ml_nord", "referent", "csp_moulins"),
    "collegue": ("counsellor", "ml_nord", "referent", None),
    "accueil": ("counsellor", "ml_nord", "accueil", None),
    "accueil2": ("counsellor", "ml_nord", "accueil", None),
    "ailleurs": ("counsellor", "ml_sud", "referent", None),
    "superviseur": ("supervisor", "ml_nord", None, None),
    "superviseur_sud": ("supervisor", "ml_sud", None, None),
    "coordination": ("coordinator", "ml_nord", "coordination", None),
    "administrateur": ("admin", None, None, None),
}


@dataclass
class World:
    app: Flask
    sessions: sessionmaker[Session]
    clock: FrozenClock
    ids: dict[str, int] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    structures: dict[str, int] = field(default_factory=dict)

    def client(self, username: str | None = None) -> Client:
        client = Client(self.app.test_client())
        if username is not None:
            client.sign_in(username)
        return client

    def api(self, username: str) -> Api:
        return Api(self.app.test_client(), self.tokens[username])

    def person(self, structure: str = "ml_nord", **fields: Any) -> int:
        values: dict[str, Any] = {
            "last_name": "Martin",
            "first_name": "Léa",
            "birth_date": date(2004, 3, 1),
            "sex": "F",
            "qualification_level": "V",
        }
        values.update(fields)
        with unit_of_work(self.sessions) as session:
            structure_id = self.structures[structure]
            return beneficiaries.create_beneficiary(
                session, self.clock, **values, structure_id=structure_id
            ).id

    def start(self, by: str = "accueil", referent: str | None = "conseiller", **fields: Any) -> int:
        """A person and their `reference` pathway, started by `by`, waiting at the accueil task."""
        structure = ACCOUNTS[by][1] or "ml_nord"
        person_id = self.person(structure, **fields)
        with unit_of_work(self.sessions) as session:
            referent_id = self.ids[referent] if referent else None
            return pathways.start_pathway(session, self.clock, "reference", person_id, by, referent_id).id

    def open_item(self, pathway_id: int) -> int:
        with self.sessions() as session:
            return open_item(session, pathway_id).id

    def complete(self, pathway_id: int, data: dict[str, Any], actor: str = "accueil") -> None:
        with unit_of_work(self.sessions) as session:
            pathways.complete_work_item(session, self.clock, open_item(session, pathway_id).id, data, actor)


class Client:
    """A browser-like test client: keeps cookies, posts forms with the page's CSRF token."""

    def __init__(self, raw: FlaskClient) -> None:
        self.raw = raw

    def token(self) -> str:
        page = self.raw.get("/connexion").get_data(as_text=True)
        found = CSRF.search(page)
        assert found, "no CSRF token on the sign-in page"
        return found.group(1)

    def sign_in(self, username: str, password: str = PASSWORD) -> Any:
        response = self.post("/connexion", {"username": username, "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)
        return response

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.raw.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, csrf: bool = True, **kwargs: Any) -> Any:
        body = dict(data or {})
        if csrf:
            body["csrf_token"] = self.token()
        return self.raw.post(url, data=body, **kwargs)


class Api:
    def __init__(self, raw: FlaskClient, token: str) -> None:
        self.raw, self.headers = raw, {"Authorization": f"Bearer {token}"}

    def get(self, url: str, **kwargs: Any) -> Any:
        return self.raw.get("/api/v1" + url, headers=self.headers, **kwargs)

    def post(self, url: str, body: Any = None, **kwargs: Any) -> Any:
        return self.raw.post("/api/v1" + url, json=body, headers=self.headers, **kwargs)


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its production cost takes a fair part of a second per hash: tests use a light one."""
    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(accounts, "_hasher", light)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", light.hash("not-a-password"))


@pytest.fixture
def cheap_code_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """The portal's access codes hashed with a light argon2 too (a module that issues codes uses it)."""
    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(portal, "_hasher", light)
    monkeypatch.setattr(portal, "_DUMMY_HASH", light.hash("AAAAAAAA"))


ACCUEIL = {"date_accueil": "2026-01-05", "orientation": "interne"}


@pytest.fixture
def world(database_url: str, sessions: sessionmaker[Session], clock: FrozenClock) -> World:
    return build_world(database_url, sessions, clock)


def build_world(database_url: str, sessions: sessionmaker[Session], clock: FrozenClock) -> World:
    """The fixture library published, two structures, one account (and API token) per role."""
    publish_fixture(sessions, clock)
    app = create_app({"DATABASE_URL": database_url, "TESTING": True, "SECRET_KEY": "test", "CLOCK": clock})
    result = World(app, sessions, clock)
    with unit_of_work(sessions) as session:
        for code, kind in (("ml_nord", "mission_locale"), ("ml_sud", "mission_locale")):
            result.structures[code] = accounts.ensure_structure(session, code, code.upper(), kind).id
        for username, (role, structure, team, routing) in ACCOUNTS.items():
            account = accounts.create_account(
                session,
                clock,
                username=username,
                password=PASSWORD,
                role=role,
                structure_code=structure,
                team=team,
                display_name=username.capitalize(),
                routing_code=routing,
            )
            result.ids[username] = account.id
            result.tokens[username] = tokens.issue(session, clock, username).token
    return result


@dataclass
class QueryCounter:
    count: int = 0


@pytest.fixture
def count_queries(world: World) -> Any:
    """A context manager counting the SQL statements the app's engine runs inside it."""
    engine = world.app.extensions["parcours.sessions"].kw["bind"]

    @contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()

        def before(*_args: Any) -> None:
            counter.count += 1

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting
