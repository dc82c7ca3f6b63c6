"""The access findings of issue 12, each as the request an attacker or a curious colleague would send.

Each test failed before the permission table (domain.permissions) and passes with it.
"""

from __future__ import annotations

from sqlalchemy import func, select

from parcours_engine.accounts import accounts, tokens
from parcours_engine.pathways import pathways
from parcours_engine.persistence.models import AccessLog, Account, Beneficiary, Pathway
from tests.functional.conftest import ACCUEIL, PASSWORD, World

try:
    from parcours_engine.persistence.uow import unit_of_work
except ImportError:  # before the unit of work moved
    from parcours_engine.persistence.db import unit_of_work  # type: ignore[no-redef]

EXPERIENCE = {"company": "Mairie", "sector": "K", "kind": "benevolat", "started_on": "2026-01-02"}


def add_partner(world: World) -> int:
    """`educ`, a partner's referent of another structure (PJJ), with an API token."""
    with unit_of_work(world.sessions) as session:
        accounts.ensure_structure(session, "pjj", "PJJ", "partner")
        account = accounts.create_account(
            session,
            world.clock,
            username="educ",
            password=PASSWORD,
            role="partner",
            structure_code="pjj",
            team="partenaire",
            display_name="Educ",
        )
        world.ids["educ"] = account.id
        world.tokens["educ"] = tokens.issue(session, world.clock, "educ").token
        return account.id


def person_of(world: World, pathway_id: int) -> int:
    with world.sessions() as session:
        found = session.get(Pathway, pathway_id)
        assert found is not None
        return found.beneficiary_id


def status_of(world: World, pathway_id: int) -> tuple[str, int | None]:
    with world.sessions() as session:
        found = session.get(Pathway, pathway_id)
        assert found is not None
        return found.status, found.referent_id


# -- referent transfers stay in the pathway's structure ---------------------------------------------


def test_a_transfer_to_a_counsellor_of_another_structure_is_refused(world: World) -> None:
    pathway_id = world.start()
    person_id = person_of(world, pathway_id)
    answer = world.client("conseiller").post(
        f"/parcours/{pathway_id}/referent", {"referent": world.ids["ailleurs"]}
    )
    assert answer.status_code == 400
    assert status_of(world, pathway_id) == ("active", world.ids["conseiller"])
    elsewhere = world.client("ailleurs")
    for url in (f"/parcours/{pathway_id}", f"/personnes/{person_id}", f"/personnes/{person_id}/passeport"):
        assert elsewhere.get(url).status_code == 403, url


def test_a_supervisor_cannot_start_a_pathway_naming_a_partner_as_referent(world: World) -> None:
    partner = add_partner(world)
    person_id = world.person()
    other_pathway = world.start()
    start = {"programme": "reference", "beneficiary_id": person_id, "referent_id": partner}
    assert world.api("superviseur").post("/pathways", start).status_code == 403
    # Nor may a counsellor name a referent of another structure.
    assert world.api("conseiller").post("/pathways", start).status_code == 400
    with world.sessions() as session:
        assert session.scalar(select(func.count(Pathway.id)).where(Pathway.beneficiary_id == person_id)) == 0
    educ = world.api("educ")
    assert educ.get(f"/beneficiaries/{person_id}").status_code == 403
    assert educ.get(f"/pathways/{other_pathway}").status_code == 403
    assert educ.get("/pathways").get_json()["items"] == []


# -- read-only roles change no file ----------------------------------------------------------------


def test_a_supervisor_cannot_end_a_pathway(world: World) -> None:
    pathway_id = world.start()
    answer = world.client("superviseur").post(f"/parcours/{pathway_id}/sortie", {"outcome": "cdi"})
    assert answer.status_code == 403
    assert status_of(world, pathway_id)[0] == "active"


def test_reception_cannot_make_itself_referent_nor_be_made_one(world: World) -> None:
    pathway_id = world.start()  # waits at the reception task: reception sees it
    reception = world.client("accueil")
    answer = reception.post(f"/parcours/{pathway_id}/referent", {"referent": world.ids["accueil"]})
    assert answer.status_code == 403
    answer = world.client("conseiller").post(
        f"/parcours/{pathway_id}/referent", {"referent": world.ids["accueil"]}
    )
    assert answer.status_code == 400
    assert status_of(world, pathway_id)[1] == world.ids["conseiller"]


def test_reception_writes_no_passport_records_no_consent_prints_no_card(world: World) -> None:
    pathway_id = world.start()  # an open reception task on it
    person_id = person_of(world, pathway_id)
    reception = world.client("accueil")
    assert reception.get(f"/parcours/{pathway_id}").status_code == 200  # it receives the person
    base = f"/personnes/{person_id}"
    assert reception.post(f"{base}/passeport/ouvrir").status_code == 403
    assert reception.post(f"{base}/passeport/experiences", EXPERIENCE).status_code == 403
    consent = {"structure_id": str(world.structures["ml_sud"]), "given_on": "2026-01-05"}
    assert reception.post(f"{base}/passeport/consentements", consent).status_code == 403
    assert reception.post(f"{base}/carte-acces").status_code == 403


def test_starting_a_pathway_opens_no_one_elses_file(world: World) -> None:
    pathway_id = world.start()  # followed by conseiller
    person_id = person_of(world, pathway_id)
    world.complete(pathway_id, ACCUEIL)  # nothing left for reception on it
    for username in ("collegue", "accueil"):
        client = world.client(username)
        answer = client.post(
            f"/personnes/{person_id}/parcours", {"programme": "reference", "referent": "moi"}
        )
        assert answer.status_code == 403, username
        assert client.get(f"/personnes/{person_id}/passeport").status_code == 403, username
    start = {"programme": "reference", "beneficiary_id": person_id, "referent_id": world.ids["collegue"]}
    assert world.api("collegue").post("/pathways", start).status_code == 403
    with world.sessions() as session:
        assert session.scalar(select(func.count(Pathway.id)).where(Pathway.beneficiary_id == person_id)) == 1


def test_reception_registers_a_person_and_starts_their_first_pathway(world: World) -> None:
    reception = world.api("accueil")
    person = {"last_name": "Durand", "first_name": "Nina", "birth_date": "2005-06-07", "sex": "F"}
    person_id = reception.post("/beneficiaries", person).get_json()["id"]
    start = {"programme": "reference", "beneficiary_id": person_id, "referent_id": world.ids["conseiller"]}
    assert reception.post("/pathways", start).status_code == 201
    assert reception.post("/pathways", start).status_code == 403  # a second one is the referent's
    assert world.api("conseiller").post("/pathways", start).status_code == 201


# -- need to know -----------------------------------------------------------------------------------


def test_person_page_and_api_list_only_the_pathways_the_reader_may_see(world: World) -> None:
    mine = world.start()
    person_id = person_of(world, mine)
    with unit_of_work(world.sessions) as session:
        theirs = pathways.start_pathway(
            session, world.clock, "reference", person_id, "collegue", world.ids["collegue"]
        ).id
    body = world.api("conseiller").get(f"/beneficiaries/{person_id}").get_json()
    assert [p["id"] for p in body["pathways"]] == [mine]
    page = world.client("conseiller").get(f"/personnes/{person_id}").get_data(as_text=True)
    assert f"/parcours/{mine}" in page and f"/parcours/{theirs}" not in page
    both = world.api("superviseur").get(f"/beneficiaries/{person_id}").get_json()["pathways"]
    assert sorted(p["id"] for p in both) == sorted([mine, theirs])


def test_coordinators_have_no_task_list_naming_people(world: World) -> None:
    world.start(last_name="Nommee")
    assert world.client("coordination").get("/taches").status_code == 403
    assert world.api("coordination").get("/work-items").status_code == 403
    home = world.client("coordination").get("/")
    assert home.status_code == 303 and "/studio" in home.headers["Location"]


def test_a_search_needs_a_criterion_and_shows_no_welfare_flags(world: World) -> None:
    world.start(last_name="Durand", ase=True)
    api = world.api("conseiller")
    bare = api.get("/beneficiaries")
    assert bare.status_code == 400 and "name" in bare.get_json()["field_errors"]
    (found,) = api.get("/beneficiaries?name=dur").get_json()["items"]
    assert "ase" not in found and "mna" not in found
    page = world.client("conseiller").get("/personnes").get_data(as_text=True)
    assert "DURAND" not in page.upper()  # the page asks first, lists no one


def _log_rows(world: World, account: str) -> list[AccessLog]:
    with world.sessions() as session:
        query = select(AccessLog).where(AccessLog.account_id == world.ids[account]).order_by(AccessLog.id)
        return list(session.scalars(query))


def test_lists_and_searches_are_logged_with_how_many_they_showed(world: World) -> None:
    world.start(last_name="Alpha")
    world.start(last_name="Beta")
    client = world.client("superviseur")
    assert client.get("/parcours").status_code == 200
    assert world.api("superviseur").get("/beneficiaries?name=a").status_code == 200
    assert client.get("/supervision/blocages").status_code == 200
    rows = [(row.action, row.route, row.shown) for row in _log_rows(world, "superviseur")]
    assert ("list", "GET /parcours", 2) in rows
    assert ("list", "GET /api/v1/beneficiaries", 2) in rows
    assert ("list", "GET /supervision/blocages", 0) in rows


def test_a_refused_attempt_is_logged_although_the_request_rolled_back(world: World) -> None:
    from parcours_engine import access

    with unit_of_work(world.sessions) as session:
        coordinator = session.scalar(select(Account).where(Account.username == "coordination"))
        assert coordinator is not None
        coordinator_id = coordinator.id
    access.log_refusal(world.sessions, world.clock, coordinator_id, "access.not_for_your_role", "GET /taches")
    (row,) = _log_rows(world, "coordination")
    assert row.action == "refused" and row.beneficiary_id is None and "GET /taches" in row.route


def test_refused_requests_are_logged_by_the_web_and_the_api(world: World) -> None:
    pathway_id = world.start()
    assert world.client("coordination").get("/taches").status_code == 403
    assert world.api("ailleurs").get(f"/pathways/{pathway_id}").status_code == 403
    assert (
        world.client("superviseur").post(f"/parcours/{pathway_id}/sortie", {"outcome": "cdi"}).status_code
        == 403
    )
    for username, route in (
        ("coordination", "GET /taches"),
        ("ailleurs", "GET /api/v1/pathways/<int:pathway_id>"),
        ("superviseur", "POST /parcours/<int:pathway_id>/sortie"),
    ):
        refused = [row.route for row in _log_rows(world, username) if row.action == "refused"]
        assert len(refused) == 1 and refused[0].startswith(route), (username, refused)


def test_one_task_submission_writes_one_access_log_row(world: World) -> None:
    pathway_id = world.start()
    item_id = world.open_item(pathway_id)
    answer = world.client("accueil").post(f"/taches/{item_id}", ACCUEIL)
    assert answer.status_code == 303
    rows = [row for row in _log_rows(world, "accueil") if row.pathway_id == pathway_id]
    assert [(row.action, row.route) for row in rows] == [("change", "POST /taches/<int:item_id>")]


def test_a_person_registered_through_the_api_is_in_the_registrants_structure(world: World) -> None:
    person = {"last_name": "Durand", "first_name": "Nina", "birth_date": "2005-06-07", "sex": "F"}
    assert world.api("superviseur").post("/beneficiaries", person).status_code == 403
    person_id = world.api("conseiller").post("/beneficiaries", person).get_json()["id"]
    with world.sessions() as session:
        found = session.get(Beneficiary, person_id)
        assert found is not None and found.structure_id == world.structures["ml_nord"]
