"""Every route × every identity against the permission table (domain.permissions, web.permissions).

Generated from Flask's url_map and the API's OpenAPI paths: a route with no entry in the table fails
`test_every_route_has_an_entry_in_the_table`, so a new route cannot escape it. Then each route is
called as each identity on one scene (a person followed by `conseiller` in ml_nord, their pathway
waiting at an unclaimed reception task, a consent, a reference) and the answer must be what the table
says: a refusal (403, or 404 for a file, 401 or the sign-in page for nobody signed in) or not.

The expectation is computed from the table and from plain facts about the scene (who is the referent,
whose structure, whose lane), not from the SQL filters under test.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, time
from typing import Any

import pytest
from flask import Flask

from parcours_engine.accounts import accounts, tokens
from parcours_engine.appointments import appointments, contacts, follow_ups
from parcours_engine.domain.permissions import Action, Profile, Scope, may_start_for, profile, scopes
from parcours_engine.passport import consent, passport, references
from parcours_engine.studio import studio
from parcours_engine.web.api.openapi import document
from parcours_engine.web.permissions import BLUEPRINTS, PUBLIC, ROUTES, action_for
from tests.functional.conftest import ACCOUNTS, ACCUEIL, World
from tests.functional.test_permissions import add_partner, person_of

try:
    from parcours_engine.persistence.uow import unit_of_work
except ImportError:  # before the unit of work moved
    from parcours_engine.persistence.db import unit_of_work  # type: ignore[no-redef]

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
IDENTITIES = (
    "administrateur",
    "coordination",
    "conseiller",  # the referent: own caseload
    "collegue",  # a counsellor of the same structure: another's caseload
    "accueil",  # reception: the open task is in its lane
    "superviseur",
    "superviseur_sud",  # another structure
    "ailleurs",  # a counsellor of another structure
    "educ",  # a partner, no consent
    None,  # nobody signed in
)
# What holds between each identity and the scene's file (the table's scopes it falls in).
FACTS: dict[str, set[Scope]] = {
    "administrateur": {Scope.ALL},
    "coordination": {Scope.STRUCTURE},
    "conseiller": {Scope.OWN_CASELOAD, Scope.STRUCTURE},
    "collegue": {Scope.STRUCTURE},
    "accueil": {Scope.TEAM_LANE, Scope.STRUCTURE},
    "superviseur": {Scope.STRUCTURE},
    "superviseur_sud": set(),
    "ailleurs": set(),
    "educ": set(),
}
# Actions on one file (the scene's): the others are checked on the role alone (lists are filtered).
ON_A_FILE = frozenset(
    {
        Action.READ_PATHWAY,
        Action.CHANGE_PATHWAY,
        Action.TRANSFER_REFERENT,
        Action.EXIT_PATHWAY,
        Action.CORRECT_EXIT,
        Action.START_PATHWAY,
        Action.READ_PERSON,
        Action.RECTIFY_PERSON,
        Action.EXPORT_PERSON,
        Action.READ_ACCESS_HISTORY,
        Action.ERASE_PERSON,
        Action.READ_PASSPORT,
        Action.WRITE_PASSPORT,
        Action.RECORD_CONSENT,
        Action.PRINT_ACCESS_CARD,
        Action.READ_CONTACT,
        Action.CHANGE_CONTACT,
        Action.READ_APPOINTMENTS,
        Action.BOOK_APPOINTMENT,
    }
)
PERSON = {"last_name": "Durand", "first_name": "Nina", "birth_date": "2005-06-07", "sex": "F"}
WORKSHOP = appointments.Slot(date(2026, 1, 9), time(10, 0), 60)
MISSED = appointments.Slot(date(2026, 1, 9), time(14, 0), 30)  # its follow-up: `conseiller`'s own
SLOT = {"day": "2026-01-09", "at": "10:00", "duration_minutes": "60"}  # the scene's workshop, booked again
CONTACT = {"phone": "06 12 34 56 78", "email": "nina@example.org"}
EXPERIENCE = {"company": "Mairie", "sector": "K", "kind": "benevolat", "started_on": "2026-01-02"}
STATIC = {
    "static": "diagram.js",
    "studio.static": "studio.js",
    "supervisors.static": "dashboard.js",
    "agenda.static": "agenda.css",
}


def _profile(username: str) -> Profile:
    if username == "educ":
        return Profile.PARTNER
    role, _structure, team, _routing = ACCOUNTS[username]
    return profile(role, team)


def expected_allowed(username: str, action: Action, world: World) -> bool:
    """What the table says `username` may do on the scene."""
    found = scopes(_profile(username), action)
    if action is Action.FOLLOW_UP:  # the scene's follow-up is its referent's own (scope SELF)
        return username == "conseiller" and bool(found)
    if action not in ON_A_FILE:
        return bool(found)
    if not found & (FACTS[username] | {Scope.ALL}):
        return False
    if action is Action.START_PATHWAY:  # the person already has a pathway followed by `conseiller`
        return may_start_for(_profile(username), world.ids[username], True, [world.ids["conseiller"]])
    return True


@dataclass
class Scene:
    pathway_id: int
    person_id: int
    item_id: int
    consent_id: int
    reference_id: int
    contact_consent_id: int
    appointment_id: int
    follow_up_id: int


def new_scene(world: World) -> Scene:
    pathway_id = world.start()
    person_id = person_of(world, pathway_id)
    with unit_of_work(world.sessions) as session:
        referent = accounts.by_username(session, "conseiller")
        given = consent.give(
            session, world.clock, referent, person_id, world.structures["ml_sud"], date(2026, 1, 5), "/t"
        )
        kind = sorted(passport.referential().codes("document_kinds"))[0]
        document_id = references.attach_reference(
            session, world.clock, referent, person_id, kind, date(2026, 1, 4), PDF, "/t"
        ).id
        consent_id = given.id
        contacts.save(session, world.clock, referent, person_id, contacts.ContactInput(**CONTACT), "/t")
        workshop = appointments.Booking("atelier_collectif", WORKSHOP, "telephone")
        appointment_id = appointments.book(session, world.clock, referent, person_id, workshop, "/t").id
        channel = contacts.give_consent(
            session, world.clock, referent, person_id, "email", date(2026, 1, 5), "/t"
        )
        suivi = appointments.Booking("suivi", MISSED, "telephone", pathway_id=pathway_id)
        missed = appointments.book(session, world.clock, referent, person_id, suivi, "/t")
        missed.status, missed.attendance = "held", "absent_non_excuse"  # as if recorded once it started
        follow_up = follow_ups.on_attendance(session, world.clock, missed)
        assert follow_up is not None
    return Scene(
        pathway_id,
        person_id,
        world.open_item(pathway_id),
        consent_id,
        document_id,
        channel.id,
        appointment_id,
        follow_up.id,
    )


@dataclass
class Shared:
    draft_id: int
    account_id: int  # an account the admin pages may change freely
    structure_id: int
    token_id: int  # an API token of that account


def shared(world: World) -> Shared:
    with unit_of_work(world.sessions) as session:
        coordinator = accounts.by_username(session, "coordination")
        draft_id = studio.start_draft(session, world.clock, coordinator, "reference").id
        spare = accounts.create_account(
            session,
            world.clock,
            username="jetable",
            password=None,
            role="counsellor",
            structure_code="ml_nord",
        )
        spare_token = tokens.issue(session, world.clock, "jetable").row.id
        return Shared(draft_id, spare.id, world.structures["ml_sud"], spare_token)


def own_token(world: World, username: str) -> int:
    """A token of `username`'s own, for the route that revokes one's own tokens."""
    with unit_of_work(world.sessions) as session:
        return tokens.issue(session, world.clock, username, label="matrix").row.id


def url_for_rule(rule: Any, scene: Scene, extra: Shared) -> str:
    values = {
        "pathway_id": scene.pathway_id,
        "person_id": scene.person_id,
        "item_id": scene.item_id,
        "consent_id": scene.consent_id,
        "reference_id": scene.reference_id,
        "contact_consent_id": scene.contact_consent_id,
        "appointment_id": scene.appointment_id,
        "follow_up_id": scene.follow_up_id,
        "programme": "reference",
        "draft_id": extra.draft_id,
        "number": 1,
        "name": "reference.bpmn",
        "filename": STATIC.get(rule.endpoint, "x.js"),
        "account_id": extra.account_id,
        "structure_id": extra.structure_id,
        "token_id": extra.token_id,
    }
    url = rule.rule
    for name in rule.arguments:
        url = re.sub(rf"<(?:[a-z]+:)?{name}>", str(values[name]), url)
    if rule.endpoint == "api.search_beneficiaries":
        url += "?name=a"
    return url


def body_for(endpoint: str, world: World) -> dict[str, Any]:
    bodies: dict[str, dict[str, Any]] = {
        "counsellors.complete": ACCUEIL,
        "counsellors.transfer": {"referent": world.ids["collegue"]},
        "counsellors.exit_pathway": {"outcome": "cdi", "confirm": "1"},
        "counsellors.correct_exit": {
            "outcome": "abandon",
            "reason": "erreur_saisie",
            "ended_on": "2026-01-05",
        },
        "counsellors.start": {"programme": "reference", "referent": "moi"},
        "counsellors.new_person": PERSON,
        "counsellors.rectify": {**PERSON, "first_name": "Nina-Rose"},
        "passport.experiences": EXPERIENCE,
        "agenda.save_contact": CONTACT,
        "agenda.book": {**SLOT, "kind": "atelier_collectif", "mode": "telephone"},
        "agenda.move": SLOT,
        "agenda.cancel": {"reason": "erreur_saisie"},
        "agenda.attendance": {"attendance": "venu"},
        "agenda.follow_up": {"outcome": "joint"},
        "api.book_appointment": {
            **SLOT,
            "duration_minutes": 60,
            "kind": "atelier_collectif",
            "mode": "telephone",
        },
        "api.move_appointment": {**SLOT, "duration_minutes": 60},
        "api.cancel_appointment": {"reason": "erreur_saisie"},
        "api.record_attendance": {"attendance": "venu"},
        "agenda.give_contact_consent": {"channel": "sms", "given_on": "2026-01-05"},
        "passport.give_consent": {"structure_id": str(world.structures["ml_nord"]), "given_on": "2026-01-05"},
        "supervisors.set_objective": {"programme": "reference", "year": "2026", "entries": "10"},
        "api.create_beneficiary": PERSON,
        "api.start_pathway": {"programme": "reference", "beneficiary_id": 0},
        "api.transfer_referent": {"referent_id": world.ids["collegue"]},
        "api.complete": {"data": ACCUEIL},
    }
    return bodies.get(endpoint, {})


def rules(app: Flask) -> list[Any]:
    return sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint))


# -- every route is in the table ---------------------------------------------------------------------


def test_every_route_has_an_entry_in_the_table(world: World) -> None:
    missing = []
    for rule in rules(world.app):
        try:
            action_for(rule.endpoint)
        except KeyError:
            missing.append(f"{rule.endpoint} {rule.rule}")
    assert missing == [], "routes with no entry in web.permissions (ROUTES, BLUEPRINTS or PUBLIC)"
    endpoints = {rule.endpoint for rule in rules(world.app)}
    stale = sorted((set(ROUTES) | PUBLIC) - endpoints)
    assert stale == [], "entries of web.permissions naming no route"
    assert set(BLUEPRINTS) <= {e.partition(".")[0] for e in endpoints}


def test_every_openapi_path_is_a_route_in_the_table(world: World) -> None:
    shapes = {}
    for rule in rules(world.app):
        if rule.rule.startswith("/api/v1/"):
            shape = re.sub(r"<[^>]+>", "{}", rule.rule.removeprefix("/api/v1"))
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                shapes[(shape, method.lower())] = rule.endpoint
    documented = {
        (re.sub(r"\{[^}]+\}", "{}", path), method)
        for path, operations in document()["paths"].items()
        for method in operations
    }
    assert documented <= set(shapes), "OpenAPI paths with no route"
    undocumented = {key for key, endpoint in shapes.items() if endpoint != "api.openapi"} - documented
    assert undocumented == set(), "API routes missing from the OpenAPI description"
    for key in documented:
        assert action_for(shapes[key]) is not None, key


# -- every route × every identity --------------------------------------------------------------------


def _refused(response: Any, api: bool, anonymous: bool) -> bool:
    if anonymous:
        location = response.headers.get("Location", "")
        return response.status_code == 401 or (response.status_code == 302 and "/connexion" in location)
    return response.status_code in (403, 404) or (api and response.status_code == 401)


def _call(client: Any, method: str, url: str, body: dict[str, Any], api: bool, token: str | None) -> Any:
    if api:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        if method == "GET":
            return client.get(url, headers=headers)
        return client.post(url, json=body, headers=headers)
    return client.get(url) if method == "GET" else client.post(url, data=body)


def test_every_route_answers_every_identity_as_the_table_says(world: World) -> None:
    add_partner(world)
    world.app.config["WTF_CSRF_ENABLED"] = False  # forms post without their token: the table is the point
    scene, extra = new_scene(world), shared(world)
    clients: dict[str | None, Any] = {}
    for username in IDENTITIES:
        clients[username] = world.app.test_client()
        if username is not None:
            signed = clients[username].post(
                "/connexion", data={"username": username, "password": "correct-horse-battery"}
            )
            assert signed.status_code == 303, username
    wrong = []
    for rule in rules(world.app):
        action = action_for(rule.endpoint)
        if action is None or action is Action.READ_OWN_FILE:
            continue  # public, or the person's own portal (tests/functional/test_portal.py)
        api = rule.rule.startswith("/api/")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for username in IDENTITIES:
                allowed = username is not None and expected_allowed(username, action, world)
                if rule.endpoint == "api.list_follow_ups":  # one's own list: the role alone
                    allowed = username is not None and bool(scopes(_profile(username), action))
                here = scene
                if allowed and method == "POST" and action in ON_A_FILE:
                    here = new_scene(world)  # a change: on a file of its own
                body = body_for(rule.endpoint, world)
                if rule.endpoint in ("api.start_pathway", "api.book_appointment"):
                    body = {**body, "beneficiary_id": here.person_id}
                client = clients[username]
                if rule.endpoint == "auth.logout" and username is not None:
                    client = world.client(username).raw  # signing out: not the shared client
                token = world.tokens.get(username or "")
                url = url_for_rule(rule, here, extra)
                if rule.endpoint == "auth.revoke_my_token" and username is not None:
                    url = url_for_rule(rule, here, replace(extra, token_id=own_token(world, username)))
                response = _call(client, method, url, body, api, token)
                if rule.endpoint == "auth.logout" and username is not None:
                    # Signing out ends every session of the account (issue 14): sign in again.
                    clients[username] = world.client(username).raw
                refused = _refused(response, api, username is None)
                if refused == allowed:
                    wrong.append(
                        f"{method} {rule.rule} as {username}: {response.status_code}, table says {'yes' if allowed else 'no'}"
                    )
    assert wrong == [], "\n".join(wrong)


def test_the_table_names_every_profile_and_action() -> None:
    for action in Action:
        for who in Profile:
            assert isinstance(scopes(who, action), frozenset)
    # A supervisor reads files, corrects an exit recorded by mistake (issue 15) and decides an erasure
    # on request (issue 14), nothing else.
    assert not any(
        scopes(Profile.SUPERVISOR, a)
        for a in ON_A_FILE
        - {
            Action.READ_PATHWAY,
            Action.READ_PERSON,
            Action.READ_PASSPORT,
            Action.ERASE_PERSON,
            Action.CORRECT_EXIT,
        }
    )
    assert scopes(Profile.SUPERVISOR, Action.CORRECT_EXIT) == {Scope.STRUCTURE}
    assert not any(
        scopes(p, Action.CORRECT_EXIT) for p in Profile if p not in (Profile.SUPERVISOR, Profile.ADMIN)
    )
    assert not any(scopes(Profile.COORDINATOR, a) for a in ON_A_FILE)
    for action in (
        Action.TRANSFER_REFERENT,
        Action.EXIT_PATHWAY,
        Action.WRITE_PASSPORT,
        Action.RECORD_CONSENT,
        Action.PRINT_ACCESS_CARD,
    ):
        assert not scopes(Profile.RECEPTION, action), action


@pytest.mark.parametrize("endpoint", sorted(PUBLIC))
def test_public_routes_are_few_and_named(endpoint: str) -> None:
    assert endpoint in {
        "static",
        "healthz",
        "auth.login",
        "auth.second_step",  # the code after a right password, before anyone is signed in
        "auth.language",
        "portal.sign_in",
        "api.openapi",
        "favicon",  # browsers ask for /favicon.ico before anyone signs in
        "agenda.feed",  # a counsellor's iCalendar feed: its secret token (calendar applications)
    }
