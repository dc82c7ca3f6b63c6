"""The JSON API: bearer tokens, the same rights as the pages, JSON errors only."""

from __future__ import annotations

from tests.functional.conftest import ACCUEIL

PERSON = {"last_name": "Durand", "first_name": "Nina", "birth_date": "2005-06-07", "sex": "F"}


def test_no_or_bad_token_is_a_json_401(world):
    raw = world.app.test_client()
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"}):
        response = raw.get("/api/v1/work-items", headers=headers)
        assert response.status_code == 401
        assert response.get_json()["message"] and "Bearer" in response.headers["WWW-Authenticate"]


def test_openapi_document_is_public_and_3_1(world):
    document = world.app.test_client().get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    assert "/work-items/{work_item_id}/complete" in document["paths"]


def test_beneficiary_create_get_search(world):
    api = world.api("conseiller")
    created = api.post("/beneficiaries", PERSON)
    assert created.status_code == 201
    person = created.get_json()
    assert person["identifier"].startswith("PE-")
    assert api.get(f"/beneficiaries/{person['id']}").get_json()["pathways"] == []
    found = api.get("/beneficiaries?name=durand&birth_date=2005-06-07").get_json()["items"]
    assert [p["id"] for p in found] == [person["id"]]
    assert world.api("ailleurs").get(f"/beneficiaries/{person['id']}").status_code == 403
    assert api.get("/beneficiaries/999999").status_code == 404


def test_invalid_input_is_400_with_field_errors(world):
    api = world.api("conseiller")
    unknown = api.post("/beneficiaries", {**PERSON, "extra": 1, "birth_date": 20050607, "first_name": None})
    assert unknown.status_code == 400
    assert _codes(unknown) == {
        "extra": "field.unknown",
        "birth_date": "field.date",
        "first_name": "field.required",
    }
    assert unknown.get_json()["code"] == "error.invalid_input"
    wrong = api.post("/beneficiaries", {**PERSON, "sex": "X"})
    assert wrong.status_code == 400 and _codes(wrong) == {"sex": "field.choice"}
    not_object = api.post("/beneficiaries", "not an object")
    assert not_object.status_code == 400 and not_object.get_json()["code"] == "error.json_body"
    born = api.get("/beneficiaries?birth_date=yesterday")
    assert born.status_code == 400 and _codes(born) == {"birth_date": "field.date"}
    sleeping = api.get("/pathways?status=sleeping")
    assert sleeping.status_code == 400 and _codes(sleeping) == {"status": "field.one_of"}
    assert "active" in sleeping.get_json()["field_errors"]["status"][0]["message"]
    due = api.get("/work-items?due=someday")
    assert due.status_code == 400 and _codes(due) == {"due": "field.one_of"}
    typed = api.post("/pathways", {"programme": 3, "beneficiary_id": "1"})
    assert _codes(typed) == {"programme": "field.text", "beneficiary_id": "field.integer"}
    assert world.app.test_client().put("/api/v1/work-items").status_code in (401, 405)


def test_start_list_claim_complete_and_conflict(world):
    person_id = world.api("accueil").post("/beneficiaries", PERSON).get_json()["id"]
    api = world.api("accueil")
    started = api.post("/pathways", {"programme": "reference", "beneficiary_id": person_id})
    assert started.status_code == 201
    pathway = started.get_json()
    assert pathway["current_elements"] == ["Task_accueil"]
    inbox = api.get("/work-items").get_json()
    assert inbox["counts"] == {"mine": 0, "team": 1, "overdue": 0}
    item = inbox["team"][0]
    claimed = api.post(f"/work-items/{item['id']}/claim")
    assert claimed.status_code == 200 and claimed.get_json()["assignee_id"] == world.ids["accueil"]
    assert world.api("accueil2").post(f"/work-items/{item['id']}/claim").status_code == 409
    bad = api.post(f"/work-items/{item['id']}/complete", {"data": {"orientation": "ailleurs"}})
    assert bad.status_code == 400
    assert set(bad.get_json()["field_errors"]) == {"date_accueil", "orientation"}
    stale = api.post(f"/work-items/{item['id']}/complete", {"data": ACCUEIL, "expected_version": 99})
    assert stale.status_code == 409
    done = api.post(f"/work-items/{item['id']}/complete", {"data": ACCUEIL})
    assert done.status_code == 200
    again = api.post(f"/work-items/{item['id']}/complete", {"data": ACCUEIL})
    assert again.status_code == 409 and again.get_json()["code"] == "task.already_done"
    assert "Accueil" in again.get_json()["message"]
    listed = world.api("superviseur").get("/pathways?programme=reference&status=active").get_json()["items"]
    assert [p["id"] for p in listed] == [pathway["id"]]
    assert world.api("ailleurs").get(f"/pathways/{pathway['id']}").status_code == 403
    assert api.get("/pathways/999999").status_code == 404


def test_referent_transfer_through_the_api(world):
    pathway_id = world.start()
    api = world.api("conseiller")
    response = api.post(f"/pathways/{pathway_id}/referent", {"referent_id": world.ids["collegue"]})
    assert response.status_code == 200 and response.get_json()["referent_id"] == world.ids["collegue"]
    # The old referent no longer sees the pathway.
    assert (
        api.post(f"/pathways/{pathway_id}/referent", {"referent_id": world.ids["conseiller"]}).status_code
        == 403
    )
    temporary = world.api("collegue").post(
        f"/pathways/{pathway_id}/referent", {"referent_id": world.ids["conseiller"], "kind": "temporary"}
    )
    assert temporary.status_code == 400 and _codes(temporary) == {"ends_on": "referent.needs_end"}


def test_roles_without_caseload_cannot_register_or_start(world):
    assert world.api("coordination").post("/beneficiaries", PERSON).status_code == 403
    start = {"programme": "reference", "beneficiary_id": world.person()}
    assert world.api("coordination").post("/pathways", start).status_code == 403


def _codes(response) -> dict[str, str]:
    """The first field-error code of each field of a JSON error."""
    return {name: errors[0]["code"] for name, errors in response.get_json()["field_errors"].items()}


def test_text_with_a_nul_character_is_refused_on_every_backend(world):
    # Found by schemathesis on PostgreSQL: a NUL in a search filter or a name reached the database,
    # which refuses it (500); the API answers 400 naming the field, on both backends alike.
    api = world.api("conseiller")
    search = api.get("/beneficiaries?name=Ma%00rtin")
    assert search.status_code == 400, search.get_data(as_text=True)
    assert search.get_json()["field_errors"]["name"][0]["code"] == "field.invalid"
    listed = api.get("/pathways?programme=ref%00")
    assert listed.status_code == 400
    body = {"last_name": "Ma\x00rtin", "first_name": "Léa", "birth_date": "2004-03-01", "sex": "F"}
    registered = api.post("/beneficiaries", body)
    assert registered.status_code == 400, registered.get_data(as_text=True)
    assert registered.get_json()["field_errors"]["last_name"][0]["code"] == "field.invalid"
