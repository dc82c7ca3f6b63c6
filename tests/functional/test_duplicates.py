"""Duplicate warning at registration (issue 15, point 9): "ESSAI Léonie" and "Essai LEONIE" born the
same day are one person typed twice. The page and the API stop at the candidates, show those of the
caller's structure with a link, only say that another structure follows one otherwise, and register
anyway on an explicit confirmation. Birth dates out of range are refused."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import func, select

from parcours_engine.domain.names import name_key
from parcours_engine.persistence.models import Beneficiary

BORN = date(2001, 2, 3)
FORM = {"last_name": "Essai", "first_name": "LEONIE", "birth_date": "03/02/2001", "sex": "F"}


def _count(world, last: str = "ESSAI", first: str = "Léonie") -> int:
    with world.sessions() as session:
        query = select(func.count()).where(Beneficiary.name_key == name_key(last, first))
        return session.scalar(query.where(Beneficiary.birth_date == BORN)) or 0


def test_a_second_registration_stops_at_the_candidates_then_goes_on_when_confirmed(world):
    first = world.person(last_name="ESSAI", first_name="Léonie", birth_date=BORN)
    client = world.client("conseiller")
    stopped = client.post("/personnes/nouvelle", FORM)
    assert stopped.status_code == 409
    page = stopped.get_data(as_text=True).replace("&#39;", "'")
    assert "Cette personne est peut-être déjà inscrite" in page
    assert f'href="/personnes/{first}"' in page and "ESSAI Léonie" in page
    assert re.search(r'<button type="submit" name="confirm_duplicate" value="true">Créer quand même', page)
    assert 'value="Essai"' in page and 'value="LEONIE"' in page  # what was typed is kept
    assert _count(world) == 1
    created = client.post("/personnes/nouvelle", {**FORM, "confirm_duplicate": "true"})
    assert created.status_code == 303
    assert _count(world) == 2


def test_another_structures_person_is_only_mentioned(world):
    first = world.person(last_name="ESSAI", first_name="Léonie", birth_date=BORN)
    with world.sessions() as session:
        identifier = session.get(Beneficiary, first).identifier
    stopped = world.client("ailleurs").post(
        "/personnes/nouvelle", {**FORM, "last_name": "es-sai", "first_name": "Léo nie"}
    )
    assert stopped.status_code == 409
    page = stopped.get_data(as_text=True)
    assert "Une personne de même nom et date de naissance est suivie par une autre structure." in page
    assert f"/personnes/{first}" not in page and identifier not in page and "ESSAI Léonie" not in page
    assert _count(world) == 1


def test_different_names_or_birth_dates_register_at_once(world):
    world.person(last_name="ESSAI", first_name="Léonie", birth_date=BORN)
    client = world.client("conseiller")
    assert client.post("/personnes/nouvelle", {**FORM, "first_name": "Léonce"}).status_code == 303
    assert client.post("/personnes/nouvelle", {**FORM, "birth_date": "04/02/2001"}).status_code == 303


def test_the_api_answers_409_with_the_candidates_the_caller_may_see(world):
    person = {"last_name": "ESSAI", "first_name": "Léonie", "birth_date": BORN.isoformat(), "sex": "F"}
    first = world.api("conseiller").post("/beneficiaries", person)
    assert first.status_code == 201
    twice = {**person, "last_name": "Essai", "first_name": "leonie"}
    mine = world.api("collegue").post("/beneficiaries", twice)
    assert mine.status_code == 409
    body = mine.get_json()
    assert body["code"] == "person.duplicate" and body["followed_elsewhere"] == 0
    assert [c["id"] for c in body["candidates"]] == [first.get_json()["id"]]
    assert "ase" not in body["candidates"][0]  # a search result: who, not their situation
    theirs = world.api("ailleurs").post("/beneficiaries", twice).get_json()
    assert theirs["candidates"] == [] and theirs["followed_elsewhere"] == 1
    confirmed = world.api("collegue").post("/beneficiaries", {**twice, "confirm_duplicate": True})
    assert confirmed.status_code == 201
    assert _count(world) == 2


def test_birth_dates_out_of_range_are_refused(world):
    # The tests' clock says 05/01/2026: 1850 is no birth date, nor 2024 (a toddler), nor 2031.
    client = world.client("conseiller")
    for typed in ("01/01/1850", "01/01/2024", "15/01/2031"):
        refused = client.post("/personnes/nouvelle", {**FORM, "first_name": "Autre", "birth_date": typed})
        assert refused.status_code == 400, typed
        page = refused.get_data(as_text=True)
        assert 'id="err-birth_date"' in page and 'id="form-errors"' in page
        assert re.search(
            r'id="birth_date" name="birth_date" aria-invalid="true" aria-describedby="err-birth_date"', page
        )
        assert f'value="{typed}"' in page  # kept as typed
    api = world.api("conseiller")
    old = {"last_name": "Vieux", "first_name": "Jean", "birth_date": "1850-01-01", "sex": "M"}
    answer = api.post("/beneficiaries", old)
    assert answer.status_code == 400 and list(answer.get_json()["field_errors"]) == ["birth_date"]
