"""The person's rights (issue 14, RGPD): rectification of identity fields with history."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from parcours_engine.persistence.models import AccessLog, Beneficiary, IdentityCorrection
from tests.functional.conftest import World
from tests.functional.test_permissions import person_of

FORM = {
    "last_name": "Martin",
    "first_name": "Léa",
    "birth_date": "2004-03-01",
    "sex": "F",
    "qualification_level": "V",
}


def _corrections(world: World, person_id: int) -> list[IdentityCorrection]:
    with world.sessions() as session:
        query = select(IdentityCorrection).where(IdentityCorrection.beneficiary_id == person_id)
        return list(session.scalars(query.order_by(IdentityCorrection.id)))


def test_the_referent_corrects_identity_fields_with_history_shown_and_logged(world: World) -> None:
    person_id = person_of(world, world.start())
    client = world.client("conseiller")
    form = {**FORM, "first_name": "Léna", "birth_date": "03/01/2004", "qualification_level": "IV"}
    answer = client.post(f"/personnes/{person_id}/identite", form)
    assert answer.status_code == 303
    with world.sessions() as session:
        person = session.get(Beneficiary, person_id)
        assert person is not None
        assert (person.first_name, person.birth_date, person.qualification_level) == (
            "Léna",
            date(2004, 1, 3),
            "IV",
        )
        logged = session.scalars(
            select(AccessLog.action).where(
                AccessLog.beneficiary_id == person_id,
                AccessLog.account_id == world.ids["conseiller"],
                AccessLog.route.contains("identite"),
            )
        ).all()
    assert logged == ["change"]
    rows = [(r.field, r.old_value, r.new_value, r.account_id) for r in _corrections(world, person_id)]
    me = world.ids["conseiller"]
    assert rows == [
        ("first_name", "Léa", "Léna", me),
        ("birth_date", "2004-03-01", "2004-01-03", me),
        ("qualification_level", "V", "IV", me),
    ]
    page = client.get(f"/personnes/{person_id}").get_data(as_text=True)
    assert 'id="corrections"' in page and "Léa" in page and "Léna" in page
    assert 'id="rectify-form"' in page


def test_an_unchanged_form_records_nothing_and_a_wrong_one_changes_nothing(world: World) -> None:
    person_id = person_of(world, world.start())
    client = world.client("conseiller")
    assert (
        client.post(f"/personnes/{person_id}/identite", {**FORM, "qualification_level": "V"}).status_code
        == 303
    )
    assert _corrections(world, person_id) == []
    wrong = client.post(f"/personnes/{person_id}/identite", {**FORM, "last_name": "", "sex": "X"})
    assert wrong.status_code == 400
    assert 'id="err-last_name"' in wrong.get_data(as_text=True)
    assert _corrections(world, person_id) == []
    future = client.post(
        f"/personnes/{person_id}/identite", {**FORM, "first_name": "Zoé", "birth_date": "2099-01-01"}
    )
    assert future.status_code == 400
    with world.sessions() as session:
        person = session.get(Beneficiary, person_id)
        assert person is not None and person.first_name == "Léa"
    assert _corrections(world, person_id) == []


def test_only_the_referent_corrects(world: World) -> None:
    person_id = person_of(world, world.start())
    for username in ("collegue", "accueil", "superviseur"):
        client = world.client(username)
        answer = client.post(f"/personnes/{person_id}/identite", {**FORM, "first_name": "Autre"})
        assert answer.status_code == 403, username
        assert 'id="rectify-form"' not in client.get(f"/personnes/{person_id}").get_data(as_text=True)
    assert _corrections(world, person_id) == []


def test_the_referent_exports_everything_about_a_person_without_portal_access(world: World) -> None:
    person_id = person_of(world, world.start())
    client = world.client("conseiller")
    client.post(f"/personnes/{person_id}/identite", {**FORM, "first_name": "Léna"})
    page = client.get(f"/personnes/{person_id}").get_data(as_text=True)
    assert 'id="export-link"' in page
    answer = client.get(f"/personnes/{person_id}/donnees.json")
    assert answer.status_code == 200
    assert "attachment" in answer.headers["Content-Disposition"]
    assert answer.headers["Cache-Control"] == "no-store"
    data = answer.get_json()
    assert data["person"]["first_name"] == "Léna"
    assert [c["field"] for c in data["identity_corrections"]] == ["first_name"]
    assert len(data["pathways"]) == 1 and data["pathways"][0]["tasks"]
    assert data["portal_access"] == []
    with world.sessions() as session:
        exported = session.scalars(
            select(AccessLog.action).where(
                AccessLog.beneficiary_id == person_id, AccessLog.route.contains("donnees.json")
            )
        ).all()
    assert exported == ["export"]
    for username in ("collegue", "accueil", "superviseur", "ailleurs"):
        other = world.client(username)
        assert other.get(f"/personnes/{person_id}/donnees.json").status_code in (403, 404), username


def test_the_referent_reads_who_accessed_the_file_and_others_do_not(world: World) -> None:
    person_id = person_of(world, world.start())
    world.client("collegue").get(f"/personnes/{person_id}")  # a colleague of the structure reads it
    client = world.client("conseiller")
    assert 'id="history-link"' in client.get(f"/personnes/{person_id}").get_data(as_text=True)
    page = client.get(f"/personnes/{person_id}/acces")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="accesses"' in text and "Collegue" in text
    for username in ("collegue", "accueil", "superviseur"):
        assert world.client(username).get(f"/personnes/{person_id}/acces").status_code == 403, username


def test_admins_see_accounts_reading_unusually_many_files_in_a_day(world: World, monkeypatch) -> None:
    people = [world.person(last_name=f"Nom{i}") for i in range(4)]
    admin = world.client("administrateur")
    for person_id in people:
        admin.get(f"/personnes/{person_id}")
    monkeypatch.setenv("PARCOURS_UNUSUAL_READS_PER_DAY", "3")
    page = admin.get("/admin/acces-inhabituels")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert 'id="unusual"' in text and "Administrateur" in text
    monkeypatch.setenv("PARCOURS_UNUSUAL_READS_PER_DAY", "4")
    assert 'id="unusual"' not in admin.get("/admin/acces-inhabituels").get_data(as_text=True)
    assert world.client("superviseur").get("/admin/acces-inhabituels").status_code == 403
