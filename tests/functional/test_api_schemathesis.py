"""Schemathesis against /api/v1/openapi.json: no generated input makes the API fail with a 500.

Runs on SQLite only (the API code is the same on both backends; the other tests cover PostgreSQL),
with a bounded number of examples per operation so that the whole module stays well under a minute.
"""

from __future__ import annotations

import shutil

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.web.api.openapi import document
from tests.functional.conftest import ACCUEIL, World, build_world


@pytest.fixture
def api_world(sqlite_template, tmp_path, clock) -> World:
    path = tmp_path / "api.sqlite3"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    world = build_world(url, session_factory(make_engine(url)), clock)
    pathway_id = world.start()
    world.complete(pathway_id, ACCUEIL)
    world.start()
    return world


# The document the app serves (test_api.py checks it is served); the app is attached per test.
schema = schemathesis.openapi.from_dict(document())


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,  # the same examples every run: a failure is reproducible, never flaky
    suppress_health_check=list(HealthCheck),
)
def test_no_input_makes_the_api_fail(case, api_world):
    headers = {"Authorization": f"Bearer {api_world.tokens['conseiller']}"}
    response = case.call(app=api_world.app, headers=headers)  # this test's app and database
    case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])
