"""The person's portal over HTTP: sign in with identifier + code, read, print, download, export; and
every refusal (someone else's reference 404, any write 403/405, wrong codes 401 then 429)."""

from __future__ import annotations

import io
import json
import re
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from parcours_engine.accounts import accounts
from parcours_engine.passport import passport, portal, references
from parcours_engine.persistence.models import AccessLog, Beneficiary
from parcours_engine.persistence.uow import unit_of_work
from tests.functional.conftest import World

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


pytestmark = pytest.mark.usefixtures("cheap_code_hashing")  # tests.functional.conftest


class Person:
    """A browser-like client of the portal (its CSRF token comes from the portal's own pages)."""

    def __init__(self, raw: FlaskClient) -> None:
        self.raw = raw

    def token(self, page: str = "/mon-passeport/connexion") -> str:
        found = CSRF.search(self.raw.get(page).get_data(as_text=True))
        assert found, f"no CSRF token on {page}"
        return found.group(1)

    def sign_in(self, identifier: str, code: str) -> Any:
        body = {"identifier": identifier, "code": code, "csrf_token": self.token()}
        return self.raw.post("/mon-passeport/connexion", data=body)

    def post(self, url: str, data: dict[str, Any] | None = None) -> Any:
        body = {**(data or {}), "csrf_token": self.token("/mon-passeport/")}
        return self.raw.post(url, data=body)


def followed(world: World) -> tuple[int, int, str, str]:
    """A person whose pathway's referent is `conseiller`, an access code, a reference attached."""
    pathway_id = world.start()
    with unit_of_work(world.sessions) as session:
        person = session.scalar(select(Beneficiary).order_by(Beneficiary.id.desc()))
        assert person is not None
        referent = accounts.by_username(session, "conseiller")
        code = portal.issue_code(session, world.clock, referent, person.id, "/t")
        passport.open_passport(session, world.clock, referent, person.id, "/t")
        stage = passport.ExperienceInput(
            "Boulangerie Santucci", "D", "pmsmp", date(2026, 1, 2), date(2026, 1, 4)
        )
        passport.add_experience(session, world.clock, referent, person.id, stage, "/t")
        references.attach_reference(
            session, world.clock, referent, person.id, "attestation_immersion", date(2026, 1, 4), PDF, "/t"
        )
        return person.id, pathway_id, person.identifier, code


def signed_in(world: World) -> tuple[Person, int, str]:
    person_id, _pathway, identifier, code = followed(world)
    person = Person(world.app.test_client())
    assert person.sign_in(identifier, code).status_code == 303
    return person, person_id, identifier


def test_the_person_signs_in_and_reads_prints_downloads_and_exports(world: World) -> None:
    person, _person_id, identifier = signed_in(world)
    page = person.raw.get("/mon-passeport/").get_data(as_text=True)
    assert identifier in page and "Ponctualité" in page and "À vérifier" in page
    assert "Boulangerie Santucci" in page and "dist/app.css" in page  # its print styles: in app.css
    pdf = person.raw.get("/mon-passeport/passeport.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF-")
    assert "attachment" in pdf.headers["Content-Disposition"]
    (link,) = re.findall(r'href="(/mon-passeport/references/\d+)"', page)
    document = person.raw.get(link)
    assert document.data == PDF and document.headers["Cache-Control"] == "no-store"
    pathways = person.raw.get("/mon-passeport/parcours").get_data(as_text=True)
    assert "Conseiller" in pathways  # their referent's name
    rights = person.raw.get("/mon-passeport/mes-donnees").get_data(as_text=True)
    assert "Conseiller" in rights and "modification" in rights
    exported = json.loads(person.raw.get("/mon-passeport/mes-donnees.json").data)
    assert exported["person"]["identifier"] == identifier
    assert exported["passport"]["experiences"][0]["company"] == "Boulangerie Santucci"
    assert exported["access_log"]


def test_someone_elses_reference_is_not_found(world: World) -> None:
    _other, _pathway, _identifier, _code = followed(world)
    with world.sessions() as session:
        others = passport.view(session, _other).references
    person, _person_id, _identifier = signed_in(world)
    assert person.raw.get(f"/mon-passeport/references/{others[0].id}").status_code == 404


def test_the_person_cannot_write_anything(world: World) -> None:
    person, person_id, _identifier = signed_in(world)
    for url in ("/mon-passeport/", "/mon-passeport/passeport.pdf", "/mon-passeport/parcours"):
        assert person.post(url).status_code == 405
    staff_writes = (
        f"/personnes/{person_id}/passeport/experiences",
        f"/personnes/{person_id}/passeport/competences",
        f"/personnes/{person_id}/passeport/consentements",
        f"/personnes/{person_id}/carte-acces",
        f"/personnes/{person_id}/parcours",
        "/taches/1",
    )
    for url in staff_writes:
        assert person.post(url, {"company": "X"}).status_code == 403, url
    for url in (f"/personnes/{person_id}/passeport", f"/personnes/{person_id}", "/taches", "/"):
        assert person.raw.get(url).status_code == 403, url
    with world.sessions() as session:
        assert len(passport.view(session, person_id).experiences) == 1


def test_wrong_codes_are_refused_then_locked(world: World) -> None:
    _person_id, _pathway, identifier, code = followed(world)
    person = Person(world.app.test_client())
    assert person.raw.get("/mon-passeport/").status_code == 303  # not signed in: to the sign-in page
    for _ in range(portal.MAX_FAILURES):
        assert person.sign_in(identifier, "AAAA-AAAA").status_code == 401
    locked = person.sign_in(identifier, code)
    assert locked.status_code == 429 and "30 minutes" in locked.get_data(as_text=True)


def test_the_referent_updates_the_passport_and_prints_a_card_that_signs_in(world: World) -> None:
    person_id, _pathway, identifier, _old_code = followed(world)
    referent = world.client("conseiller")
    person_page = referent.get(f"/personnes/{person_id}").get_data(as_text=True)
    assert f'href="/personnes/{person_id}/passeport"' in person_page  # reached from the person's page
    page = referent.get(f"/personnes/{person_id}/passeport")
    assert page.status_code == 200 and "Boulangerie Santucci" in page.get_data(as_text=True)
    added = referent.post(
        f"/personnes/{person_id}/passeport/experiences",
        {
            "company": "Garage Casanova",
            "sector": "I",
            "kind": "cdd",
            "started_on": "2026-01-05",
            "ended_on": "",
        },
    )
    assert added.status_code == 303
    with world.sessions() as session:
        period = passport.view(session, person_id).experiences[0]
    levels = {"level_ponctualite": "acquise", "level_autonomie": "en_cours", "experience_id": str(period.id)}
    assert (
        referent.post(
            f"/personnes/{person_id}/passeport/competences", {**levels, "assessed_on": "2026-01-05"}
        ).status_code
        == 303
    )
    uploaded = referent.raw.post(
        f"/personnes/{person_id}/passeport/references",
        data={
            "kind": "certificat_travail",
            "issued_on": "2026-01-05",
            "file": (io.BytesIO(b"\x89PNG\r\n\x1a\n" + b"0" * 64), "certificat.png"),
            "csrf_token": referent.token(),
        },
        content_type="multipart/form-data",
    )
    assert uploaded.status_code == 303
    refused = referent.raw.post(
        f"/personnes/{person_id}/passeport/references",
        data={
            "kind": "certificat_travail",
            "issued_on": "2026-01-05",
            "file": (io.BytesIO(b"MZ executable"), "certificat.pdf"),
            "csrf_token": referent.token(),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "<strong>Fichier</strong> : Seuls les documents PDF, PNG ou JPEG sont acceptés." in page
    undated = referent.post(f"/personnes/{person_id}/passeport/consentements", {"structure_id": ""})
    assert undated.status_code == 400
    page = undated.get_data(as_text=True)
    assert "<strong>Structure</strong> : Champ obligatoire." in page and "structure_id" not in page
    wrong_date = {"company": "Garage", "sector": "I", "kind": "cdd", "started_on": "05/13/2026"}
    page = referent.post(f"/personnes/{person_id}/passeport/experiences", wrong_date).get_data(as_text=True)
    assert "<strong>Du</strong> : Saisissez une date (jj/mm/aaaa)." in page and "started_on" not in page
    card = referent.post(f"/personnes/{person_id}/carte-acces")
    assert card.status_code == 200 and card.headers["Cache-Control"] == "no-store"
    code = re.search(r'id="card-code">([A-Z0-9-]+)<', card.get_data(as_text=True))
    assert code is not None
    person = Person(world.app.test_client())
    assert person.sign_in(identifier, code.group(1)).status_code == 303
    page_text = person.raw.get("/mon-passeport/").get_data(as_text=True)
    assert "Garage Casanova" in page_text and "Acquise" in page_text and "Certificat de travail" in page_text
    with world.sessions() as session:
        actions = session.scalars(select(AccessLog.route).where(AccessLog.beneficiary_id == person_id)).all()
    assert any("passeport/experiences" in r for r in actions) and any("carte-acces" in r for r in actions)


def test_partners_write_only_with_consent_and_strangers_are_refused(world: World) -> None:
    person_id, _pathway, _identifier, _code = followed(world)
    with unit_of_work(world.sessions) as session:
        pjj = accounts.ensure_structure(session, "pjj", "PJJ Bastia", "partner")
        accounts.create_account(
            session,
            world.clock,
            username="educ",
            password="correct-horse-battery",
            role="partner",
            structure_code="pjj",
        )
        pjj_id = pjj.id
    educ = world.client("educ")
    experience = {"company": "Mairie", "sector": "K", "kind": "benevolat", "started_on": "2026-01-02"}
    assert educ.get(f"/personnes/{person_id}/passeport").status_code == 403
    assert educ.post(f"/personnes/{person_id}/passeport/experiences", experience).status_code == 403
    # Only the referent records the person's agreement.
    consent_form = {"structure_id": str(pjj_id), "given_on": "2026-01-05"}
    assert educ.post(f"/personnes/{person_id}/passeport/consentements", consent_form).status_code == 403
    referent = world.client("conseiller")
    assert referent.post(f"/personnes/{person_id}/passeport/consentements", consent_form).status_code == 303
    assert educ.get(f"/personnes/{person_id}/passeport").status_code == 200
    assert educ.post(f"/personnes/{person_id}/passeport/experiences", experience).status_code == 303
    assert world.client("ailleurs").get(f"/personnes/{person_id}/passeport").status_code == 403
    assert referent.get(f"/personnes/{person_id + 999}/passeport").status_code == 404
