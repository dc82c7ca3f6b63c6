"""The admin area: structures and accounts managed in the browser by admins only, every change in the
journal (`account_event`), generated passwords shown once and never stored in clear."""

from __future__ import annotations

import json
import re
from html import unescape

import pytest
from sqlalchemy import select

from parcours_engine.accounts import accounts, tokens
from parcours_engine.persistence.models import Account, Structure
from parcours_engine.persistence.models.admin import AccountEvent
from parcours_engine.persistence.uow import unit_of_work
from tests.functional.conftest import PASSWORD, World

ADMIN = "administrateur"
ONE_TIME = re.compile(r'id="one-time-password">([^<]+)<')
# The account form as an admin fills it for a new counsellor of ml_nord.
NEW_COUNSELLOR = {
    "username": "nouvelle",
    "display_name": "Nouvelle Conseillère",
    "role": "counsellor",
    "structure": "ml_nord",
    "team": "referent",
    "routing_code": "",
}
NON_ADMINS = ("conseiller", "superviseur", "coordination", "partenaire")


@pytest.fixture
def admin_world(world: World) -> World:
    """The world plus a partner account, so that every non-admin role is there."""
    with unit_of_work(world.sessions) as session:
        partner = accounts.create_account(
            session,
            world.clock,
            username="partenaire",
            password=PASSWORD,
            role="partner",
            structure_code="ml_nord",
            team="partenaire",
        )
        world.ids["partenaire"] = partner.id
        world.tokens["partenaire"] = tokens.issue(session, world.clock, "partenaire").token
    return world


def _text(response) -> str:
    return unescape(response.get_data(as_text=True))


def _events(world: World) -> list[AccountEvent]:
    with world.sessions() as session:
        return list(session.scalars(select(AccountEvent).order_by(AccountEvent.id)))


def _account(world: World, username: str) -> Account:
    with world.sessions() as session:
        found = session.scalar(select(Account).where(Account.username == username))
        assert found is not None
        session.expunge(found)
        return found


def _new_counsellor(world: World, **fields: str) -> tuple[int, str]:
    """An account created through the admin area: its id and its one-time password."""
    values = {**NEW_COUNSELLOR, **fields}
    response = world.client(ADMIN).post("/admin/comptes/nouveau", values)
    assert response.status_code == 200, _text(response)
    password = ONE_TIME.search(response.get_data(as_text=True))
    assert password is not None
    return _account(world, values["username"]).id, password.group(1)


def _signs_in(world: World, username: str, password: str = PASSWORD) -> bool:
    response = world.client().post("/connexion", {"username": username, "password": password})
    assert response.status_code in (303, 401), response.status_code
    return response.status_code == 303


def _routes(world: World) -> list[tuple[str, str]]:
    account = world.ids["conseiller"]
    structure = world.structures["ml_nord"]
    return [
        ("get", "/admin/"),
        ("get", "/admin/structures"),
        ("post", "/admin/structures"),
        ("get", f"/admin/structures/{structure}"),
        ("post", f"/admin/structures/{structure}"),
        ("get", "/admin/comptes"),
        ("get", "/admin/comptes/nouveau"),
        ("post", "/admin/comptes/nouveau"),
        ("get", f"/admin/comptes/{account}"),
        ("post", f"/admin/comptes/{account}"),
        ("post", f"/admin/comptes/{account}/mot-de-passe"),
        ("post", f"/admin/comptes/{account}/desactiver"),
        ("post", f"/admin/comptes/{account}/reactiver"),
    ]


def test_every_admin_page_is_forbidden_to_every_other_role(admin_world: World):
    routes = _routes(admin_world)
    for username in NON_ADMINS:
        client = admin_world.client(username)
        assert "admin-link" not in _text(client.get("/taches"))
        for method, url in routes:
            response = getattr(client, method)(url)
            assert response.status_code == 403, (username, method, url)
    anonymous = admin_world.client()
    for method, url in routes:
        response = anonymous.get(url) if method == "get" else anonymous.post(url)
        assert response.status_code == 302 and "/connexion" in response.headers["Location"], url
    assert _events(admin_world) == []
    assert _account(admin_world, "conseiller").active


def test_the_administration_link_leads_admins_to_the_accounts(world: World):
    client = world.client(ADMIN)
    assert 'id="admin-link"' in _text(client.get("/taches"))
    assert client.get("/admin/").headers["Location"].endswith("/admin/comptes")
    page = _text(client.get("/admin/comptes"))
    for username in ("conseiller", "superviseur", "coordination", ADMIN):
        assert f'data-username="{username}"' in page


def test_an_admin_creates_a_structure_and_renames_it(world: World):
    client = world.client(ADMIN)
    created = client.post(
        "/admin/structures", {"code": "csp_moulins", "name": "CSP Moulins", "kind": "csp_team"}
    )
    assert created.status_code == 303
    listing = _text(client.get(created.headers["Location"]))
    assert 'data-code="csp_moulins"' in listing and "Équipe CSP" in listing
    with world.sessions() as session:
        structure = session.scalar(select(Structure).where(Structure.code == "csp_moulins"))
        assert structure is not None and structure.kind == "csp_team"
        structure_id = structure.id
    renamed = client.post(f"/admin/structures/{structure_id}", {"name": "CSP de Moulins"})
    assert renamed.status_code == 303
    page = _text(client.get(f"/admin/structures/{structure_id}"))
    assert "<h1>CSP de Moulins</h1>" in page
    assert "Structure renommée" in page and "CSP Moulins → CSP de Moulins" in page
    events = _events(world)
    assert [e.kind for e in events] == ["structure_created", "structure_renamed"]
    assert all(e.actor_id == world.ids[ADMIN] and e.structure_id == structure_id for e in events)
    assert json.loads(events[1].changes_json) == {"name": ["CSP Moulins", "CSP de Moulins"]}


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"code": "ML Nord!", "name": "X", "kind": "mission_locale"}, "code"),
        ({"code": "ml_nord", "name": "Doublon", "kind": "mission_locale"}, "code"),
        ({"code": "ml_est", "name": "  ", "kind": "mission_locale"}, "name"),
        ({"code": "ml_est", "name": "Est", "kind": "mairie"}, "kind"),
    ],
)
def test_a_wrong_structure_comes_back_with_the_error_next_to_its_field(world: World, values, field):
    client = world.client(ADMIN)
    response = client.post("/admin/structures", values)
    assert response.status_code == 400
    page = _text(response)
    assert f'id="err-{field}"' in page and 'aria-invalid="true"' in page
    assert f'value="{values["code"]}"' in page  # kept as typed
    structure = world.structures["ml_nord"]
    assert client.post(f"/admin/structures/{structure}", {"name": ""}).status_code == 400
    assert _events(world) == []


def test_an_admin_creates_an_account_whose_password_is_shown_once_and_stored_hashed(world: World):
    client = world.client(ADMIN)
    form = _text(client.get("/admin/comptes/nouveau"))
    assert 'name="csrf_token"' in form and '<option value="counsellor"' in form
    response = client.post(
        "/admin/comptes/nouveau",
        {
            "username": "nouvelle",
            "display_name": "Nouvelle Conseillère",
            "role": "counsellor",
            "structure": "ml_sud",
            "team": "referent",
            "routing_code": "csp_sud",
        },
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    password = ONE_TIME.search(response.get_data(as_text=True)).group(1)
    assert len(password) >= 16
    created = _account(world, "nouvelle")
    assert created.password_hash.startswith("$argon2") and password not in created.password_hash
    assert (created.role, created.team, created.routing_code) == ("counsellor", "referent", "csp_sud")
    assert created.structure_id == world.structures["ml_sud"]
    assert password not in _text(client.get(f"/admin/comptes/{created.id}"))  # never shown again
    assert world.client().sign_in("nouvelle", password).status_code == 303
    [event] = _events(world)
    assert (event.kind, event.actor_id, event.account_id) == ("account_created", world.ids[ADMIN], created.id)
    assert json.loads(event.changes_json) == {
        "username": [None, "nouvelle"],
        "role": [None, "counsellor"],
        "structure": [None, "ml_sud"],
        "team": [None, "referent"],
        "routing_code": [None, "csp_sud"],
    }
    assert password not in event.changes_json


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"username": "conseiller"}, {"username": "Déjà utilisé"}),
        ({"username": "é t é"}, {"username": "Format incorrect"}),
        ({"username": "", "display_name": ""}, {"username": "obligatoire", "display_name": "obligatoire"}),
        ({"role": "beneficiary", "team": "chef"}, {"role": "de la liste", "team": "de la liste"}),
        ({"structure": ""}, {"structure": "Obligatoire pour ce rôle"}),
        (
            {"structure": "inconnue", "routing_code": "a b"},
            {"structure": "de la liste", "routing_code": "Format"},
        ),
    ],
)
def test_a_wrong_account_comes_back_with_the_errors_next_to_the_fields(world: World, fields, errors):
    values = {**NEW_COUNSELLOR, "display_name": "Nouvelle", **fields}
    response = world.client(ADMIN).post("/admin/comptes/nouveau", values)
    assert response.status_code == 400
    page = _text(response)
    for field, message in errors.items():
        found = re.search(rf'id="err-{field}">([^<]*)<', page)
        assert found is not None and message in found.group(1), (field, page)
    assert "one-time-password" not in page
    if values["display_name"]:
        assert f'value="{values["display_name"]}"' in page  # kept as typed
    with world.sessions() as session:
        assert session.scalar(select(Account).where(Account.username == "nouvelle")) is None
    assert _events(world) == []


def test_an_admin_account_needs_no_structure(world: World):
    _new_counsellor(world, username="admin2", role="admin", structure="", team="")
    assert _account(world, "admin2").structure_id is None


def test_a_reset_password_replaces_the_old_one_and_lifts_the_sign_in_lock(world: World):
    client = world.client(ADMIN)
    target = world.ids["conseiller"]
    locked = world.client()
    for _ in range(5):
        locked.post("/connexion", {"username": "conseiller", "password": "wrong"})
    assert locked.post("/connexion", {"username": "conseiller", "password": PASSWORD}).status_code == 429
    response = client.post(f"/admin/comptes/{target}/mot-de-passe")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    password = ONE_TIME.search(response.get_data(as_text=True)).group(1)
    assert not _signs_in(world, "conseiller")
    assert _signs_in(world, "conseiller", password)
    [event] = _events(world)
    assert (event.kind, event.account_id, event.changes_json) == ("password_reset", target, "{}")
    assert "Mot de passe réinitialisé" in _text(client.get(f"/admin/comptes/{target}"))


def test_a_deactivated_account_cannot_sign_in_nor_use_its_token_and_reactivation_revives_neither(
    world: World,
):
    admin = world.client(ADMIN)
    target = world.ids["conseiller"]
    signed_in = world.client("conseiller")
    assert world.api("conseiller").get("/work-items").status_code == 200
    assert admin.post(f"/admin/comptes/{target}/desactiver", {"confirm": "1"}).status_code == 303
    assert "désactivé" in _text(admin.get(f"/admin/comptes/{target}"))
    assert not _signs_in(world, "conseiller")
    assert world.api("conseiller").get("/work-items").status_code == 401
    assert signed_in.get("/taches").status_code == 302  # an open session ends too
    listing = _text(admin.get("/admin/comptes"))
    assert re.search(r'data-username="conseiller" class="inactive"', listing)
    assert admin.post(f"/admin/comptes/{target}/reactiver").status_code == 303
    assert _signs_in(world, "conseiller")
    # Issue 14: reactivation used to revive the old session and the old token.
    assert signed_in.get("/taches").status_code == 302
    assert world.api("conseiller").get("/work-items").status_code == 401
    assert [(e.kind, json.loads(e.changes_json)) for e in _events(world)] == [
        ("deactivated", {"active": [True, False]}),
        ("reactivated", {"active": [False, True]}),
    ]


def test_an_admin_cannot_deactivate_themselves_nor_remove_the_last_active_admin(world: World):
    admin = world.client(ADMIN)
    me = world.ids[ADMIN]
    refused = admin.post(f"/admin/comptes/{me}/desactiver")
    assert refused.status_code == 400
    assert re.search(r'id="err-active">Vous ne pouvez pas désactiver votre propre compte.<', _text(refused))
    demoted = admin.post(f"/admin/comptes/{me}", {"role": "supervisor", "structure": "ml_nord"})
    assert demoted.status_code == 400
    assert re.search(r'id="err-role">[^<]*dernier administrateur actif', _text(demoted))
    assert _account(world, ADMIN).role == "admin" and _account(world, ADMIN).active
    assert _events(world) == []
    # With a second admin, either may hand the role over, and one may deactivate the other.
    second, password = _new_counsellor(world, username="admin2", role="admin", structure="", team="")
    other = world.client()
    other.sign_in("admin2", password)
    supervisor = {"role": "supervisor", "structure": "ml_nord"}
    assert admin.post(f"/admin/comptes/{me}", supervisor).status_code == 303
    # No longer an admin: the session opened with the admin's rights ended with them (issue 14).
    assert admin.get("/admin/comptes").status_code == 302
    assert other.post(f"/admin/comptes/{second}", supervisor).status_code == 400  # the last one now
    assert other.post(f"/admin/comptes/{me}/desactiver", {"confirm": "1"}).status_code == 303


def test_an_admin_changes_role_team_structure_and_routing_code(world: World):
    client = world.client(ADMIN)
    target = world.ids["collegue"]
    response = client.post(
        f"/admin/comptes/{target}",
        {"role": "partner", "structure": "ml_sud", "team": "partenaire", "routing_code": "csp_vichy"},
    )
    assert response.status_code == 303
    page = _text(client.get(response.headers["Location"]))
    assert 'id="saved"' in page and "Compte modifié" in page
    assert "Rôle : Conseiller → Partenaire" in page and "Structure : ml_nord → ml_sud" in page
    changed = _account(world, "collegue")
    assert (changed.role, changed.team, changed.routing_code) == ("partner", "partenaire", "csp_vichy")
    assert changed.structure_id == world.structures["ml_sud"]
    [event] = _events(world)
    assert json.loads(event.changes_json) == {
        "role": ["counsellor", "partner"],
        "structure": ["ml_nord", "ml_sud"],
        "team": ["referent", "partenaire"],
        "routing_code": [None, "csp_vichy"],
    }
    same = {"role": "partner", "structure": "ml_sud", "team": "partenaire", "routing_code": "csp_vichy"}
    assert client.post(f"/admin/comptes/{target}", same).status_code == 303
    assert len(_events(world)) == 1  # nothing changed, nothing recorded
    wrong = client.post(f"/admin/comptes/{target}", {"role": "chef", "structure": "ml_sud", "team": "x"})
    assert wrong.status_code == 400
    page = _text(wrong)
    assert 'id="err-role"' in page and 'id="err-team"' in page and 'id="form-errors"' in page
    assert _account(world, "collegue").role == "partner"


def test_the_accounts_list_filters_by_structure_and_role(world: World):
    client = world.client(ADMIN)
    south = _text(client.get("/admin/comptes?structure=ml_sud"))
    assert 'data-username="ailleurs"' in south and 'data-username="superviseur_sud"' in south
    assert 'data-username="conseiller"' not in south
    supervisors = _text(client.get("/admin/comptes?role=supervisor&structure=ml_nord"))
    assert 'data-username="superviseur"' in supervisors
    assert 'data-username="superviseur_sud"' not in supervisors
    assert 'data-username="conseiller"' not in supervisors
    none = _text(client.get("/admin/comptes?structure=-"))
    assert f'data-username="{ADMIN}"' in none and 'data-username="conseiller"' not in none
    wrong = client.get("/admin/comptes?role=chef&structure=nulle_part")
    assert wrong.status_code == 400
    assert 'id="err-role"' in _text(wrong) and 'id="err-structure"' in _text(wrong)


def test_admin_forms_without_their_csrf_token_are_refused(world: World):
    client = world.client(ADMIN)
    target = world.ids["conseiller"]
    structure = world.structures["ml_nord"]
    posts = {
        "/admin/structures": {"code": "ml_est", "name": "Est", "kind": "mission_locale"},
        f"/admin/structures/{structure}": {"name": "Nord"},
        "/admin/comptes/nouveau": {"username": "x1", "display_name": "X", "role": "admin"},
        f"/admin/comptes/{target}": {"role": "supervisor", "structure": "ml_nord"},
        f"/admin/comptes/{target}/mot-de-passe": {},
        f"/admin/comptes/{target}/desactiver": {"confirm": "1"},
    }
    for url, data in posts.items():
        response = client.post(url, data, csrf=False)
        assert response.status_code == 400 and "expiré" in _text(response), url
    assert _events(world) == []
    assert _account(world, "conseiller").active


def test_an_unknown_account_or_structure_is_404(world: World):
    client = world.client(ADMIN)
    assert client.get("/admin/comptes/9999").status_code == 404
    assert client.post("/admin/comptes/9999/desactiver").status_code == 404
    assert client.get("/admin/structures/9999").status_code == 404


def test_the_admin_area_speaks_english_too(world: World):
    client = world.client(ADMIN)
    client.post("/langue", {"lang": "en"})
    page = _text(client.get("/admin/comptes"))
    assert "Accounts" in page and "Counsellor" in page and "Administration" in page
    taken = _text(client.post("/admin/comptes/nouveau", {**NEW_COUNSELLOR, "username": "conseiller"}))
    assert re.search(r'id="err-username">Already taken: choose another one.<', taken)
