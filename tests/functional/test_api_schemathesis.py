"""Schemathesis against /api/v1/openapi.json: every check, positive and negative inputs, a token per role.

Every built-in check runs (server errors, undocumented status codes, schema-violating requests
accepted, valid requests rejected, `Allow` on 405, missing required headers, ignored auth...), and
each case is sent with the token of each role (admin, referent counsellor, reception, supervisor,
coordinator, partner). The stateless run goes through every operation on SQLite and on PostgreSQL
(a NUL character in a filter was a 500 on PostgreSQL only); the stateful run follows the document's
links (person -> pathway -> its tasks -> claim, complete -> pathway) for each role on SQLite.
Examples and steps are bounded and derandomized: the same requests every run.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode

from parcours_engine.accounts import tokens
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
def api_world(database_url, sessions, clock, monkeypatch) -> World:
    """The app on SQLite, then on PostgreSQL (`database_url`), with a pathway past its accueil and one
    waiting at it."""
    # The checks probe every route without a token and with wrong ones, hundreds of times from one
    # address: the address throttle (tested in test_api.py) would answer 429 to all that follows.
    monkeypatch.setattr(tokens, "BY_ADDRESS", replace(tokens.BY_ADDRESS, failures=10**6))
    world = build_world(database_url, sessions, clock)
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
    # Appointments (issue 17): a time to come within office hours and a year, a counsellor of the
    # person's structure, a pathway of the person; moved, cancelled or recorded while still planned.
    "/appointments": "a person here, a time to come within 07:00-21:00, a counsellor here",
    "/beneficiaries/{beneficiary_id}/appointments/{appointment_id}/move": "a time to come, office hours",
    "/beneficiaries/{beneficiary_id}/appointments/{appointment_id}/cancel": "a planned appointment",
    "/beneficiaries/{beneficiary_id}/appointments/{appointment_id}/attendance": "a planned one, started",
}
_ACCEPTED = ["2xx", "400", "401", "403", "404", "409", "429"]
_OPERATIONS = [
    {"include-path": path, "checks": {"positive_data_acceptance": {"expected-statuses": _ACCEPTED}}}
    for path in _DATA_RULES
]
_CONFIG = SchemathesisConfig.from_dict({"operations": _OPERATIONS})
# The stateful run follows the document's own links only (no links guessed from names): the chain
# person -> pathway -> task is what a client does, and guessed links would spend the bounded steps on
# requests the stateless run already sends.
_STATEFUL_CONFIG = SchemathesisConfig.from_dict(
    {"operations": _OPERATIONS, "phases": {"stateful": {"inference": {"algorithms": []}}}}
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


# -- stateful: the links chain person -> pathway -> its tasks -> claim, complete -> pathway ----------


def _stateful_document() -> dict:
    """The served document, with what the links leave to the client filled in for this test's library:
    the programme to start (`reference`) and the data of its first task's form (the accueil). These
    links then give the whole body (`merge_body: false`): merged into a generated negative body, they
    would make it valid while schemathesis still expects it refused."""
    served = document()
    paths = served["paths"]
    bodies = [
        (paths["/beneficiaries"]["post"], "201", "StartPathway", {"programme": "reference"}),
        (paths["/pathways/{pathway_id}"]["get"], "200", "CompleteWorkItem", {"data": ACCUEIL}),
        (paths["/work-items/{work_item_id}/claim"]["post"], "200", "CompleteWorkItem", {"data": ACCUEIL}),
    ]
    for operation, status, name, fields in bodies:
        link = operation["responses"][status]["links"][name]
        link["requestBody"] = {**link.get("requestBody", {}), **fields}
        link["x-schemathesis"] = {"merge_body": False}
    return served


# What each role's run must reach through the links, answered with success: a failure here means a
# link no longer chains (or a role lost a right), not only that the checks found nothing.
_CHAIN = {
    "administrateur": {"POST /beneficiaries 201", "POST /pathways 201", "GET /pathways/{pathway_id} 200"},
    "conseiller": {
        "POST /beneficiaries 201",
        "POST /pathways 201",
        "GET /beneficiaries/{beneficiary_id} 200",
    },
    "accueil": {
        "POST /beneficiaries 201",
        "POST /pathways 201",
        "GET /pathways/{pathway_id} 200",
        "POST /work-items/{work_item_id}/claim 200",
        "POST /work-items/{work_item_id}/complete 200",
    },
    "superviseur": set(),
    "coordination": set(),
    "educ": set(),
}


def map_case(_context, case):
    """A registration drawn as valid gets a birth year the API takes (14 to 100 years before today, a
    rule on data the document cannot state: `format: date` has no bounds), so that the chain starts:
    1952 + year % 48 keeps 29 February on a leap year. The date stays valid, the case positive; the
    stateless run sends every date (400 accepted there)."""
    body = case.body
    positive = case.meta is not None and case.meta.generation.mode is GenerationMode.POSITIVE
    if positive and case.operation.label == "POST /beneficiaries" and isinstance(body, dict):
        born = body.get("birth_date")
        if isinstance(born, str) and born[:4].isdigit():
            body["birth_date"] = f"{1952 + int(born[:4]) % 48}{born[4:]}"
    return case


_born_14_to_100_years_ago = map_case  # a `map_case` hook (schemathesis knows hooks by their name)


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)  # the chains' SQL: as stateless
@pytest.mark.parametrize("role", ROLES)
def test_stateful_every_check_passes_for_every_role(role, api_world):
    stateful = schemathesis.openapi.from_dict(_stateful_document(), config=_STATEFUL_CONFIG)
    stateful.app = api_world.app
    stateful.hook(_born_14_to_100_years_ago)
    headers = _bearer(api_world, role)
    reached: set[str] = set()

    class Workflow(stateful.as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case):
            return {"headers": headers}

        def after_call(self, response, case):
            super().after_call(response, case)
            if response.status_code < 300:
                reached.add(f"{case.operation.label} {response.status_code}")

        def validate_response(self, response, case, additional_checks=None, **kwargs):
            # As `case.call_and_validate(headers=...)` does: the checks learn that the token was given
            # on purpose (the WSGI transport does not keep the headers it was handed on the response).
            case.validate_response(
                response,
                additional_checks=additional_checks,
                headers=headers,
                transport_kwargs=kwargs,
                recorder=self.recorder,
            )

    Workflow.run(settings=settings(_SETTINGS, max_examples=6, stateful_step_count=20))
    assert _CHAIN[role] <= reached, sorted(reached)
