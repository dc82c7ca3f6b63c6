"""Schemathesis against /api/v1/openapi.json: every check, positive and negative inputs, a token per role.

Every built-in check runs (server errors, undocumented status codes, schema-violating requests
accepted, valid requests rejected, `Allow` on 405, missing required headers, ignored auth...), and
each case is sent with the token of each role (admin, referent counsellor, reception, supervisor,
coordinator, partner). Runs on SQLite only (the API code is the same on both backends; the other
tests cover PostgreSQL), with a bounded number of examples so that the module stays well under a
minute on two cores.
"""

from __future__ import annotations

import shutil
from dataclasses import replace

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from parcours_engine.accounts import tokens
from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.web.api.openapi import document
from tests.functional.conftest import ACCUEIL, World, build_world
from tests.functional.test_permissions import add_partner

# One token per role: admin, referent counsellor, reception counsellor, supervisor, coordinator, partner.
ROLES = ("administrateur", "conseiller", "accueil", "superviseur", "coordination", "educ")
_SETTINGS = settings(
    deadline=None,
    derandomize=True,  # the same examples every run: a failure is reproducible, never flaky
    suppress_health_check=list(HealthCheck),
    database=None,
)


@pytest.fixture
def api_world(sqlite_template, tmp_path, clock, monkeypatch) -> World:
    # The checks probe every route without a token and with wrong ones, hundreds of times from one
    # address: the address throttle (tested in test_api.py) would answer 429 to all that follows.
    monkeypatch.setattr(tokens, "BY_ADDRESS", replace(tokens.BY_ADDRESS, failures=10**6))
    path = tmp_path / "api.sqlite3"
    shutil.copy(sqlite_template, path)
    url = f"sqlite:///{path}"
    world = build_world(url, session_factory(make_engine(url)), clock)
    add_partner(world)
    pathway_id = world.start()
    world.complete(pathway_id, ACCUEIL)
    world.start()
    return world


@pytest.fixture
def api_schema(api_world):
    """The document the app serves, the requests (the checks' own too) sent to this test's app."""
    return schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_world.app, config=_CONFIG)


def _bearer(world: World, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {world.tokens[username]}"}


# Schema-valid requests a route still refuses with 400, for a rule on data the document cannot state
# (it is the same for every deployment): a programme or structure code must be one published here, a
# search needs one criterion, a birth date is not in the future, a temporary transfer ends after today
# and names someone else, a task's data satisfies its form. Everything else must be accepted.
_DATA_RULES = {
    "/beneficiaries": "GET: one criterion at least; POST: birth date not in the future",
    "/pathways": "programme published here",
    "/pathways/{pathway_id}/referent": "ends_on after today, a referent other than the current one",
    "/work-items": "programme published here",
    "/work-items/{work_item_id}/complete": "the task's form",
    "/indicators": "programme and structure known here, from <= to",
}
_ACCEPTED = ["2xx", "400", "401", "403", "404", "409", "429"]
_CONFIG = SchemathesisConfig.from_dict(
    {
        "operations": [
            {"include-path": path, "checks": {"positive_data_acceptance": {"expected-statuses": _ACCEPTED}}}
            for path in _DATA_RULES
        ],
    }
)
# The document the app serves (test_api.py checks it is served); each test attaches its own app.
schema = schemathesis.openapi.from_dict(document(), config=_CONFIG)


@schema.parametrize()
@settings(_SETTINGS, max_examples=12)
def test_every_check_passes_for_every_role(case, api_world):
    # This test's app and database, for the checks' own requests (probes without a token...) too.
    case.operation.app = case.operation.schema.app = api_world.app
    for role in ROLES:
        case.call_and_validate(headers=_bearer(api_world, role))
