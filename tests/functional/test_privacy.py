"""The person's rights, continued (issue 14, RGPD): the staff export as a PDF, erasure on request,
and the register of personal data generated from the code's own configuration."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from parcours_engine.cli import main
from parcours_engine.pathways import pathways
from parcours_engine.persistence.models import AccessLog, Base, Beneficiary, Erasure, PathwayState
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.supervision import indicators
from tests.functional import test_security_pdf as pdf_tests
from tests.functional.conftest import World
from tests.functional.test_permissions import person_of
from tests.functional.test_security_pdf import _hostile_person, _shown_text

# The PDF tests' fixture: a real image file on the server; and the portal's cheap code hashing.
server_image = pdf_tests.server_image
pytestmark = pytest.mark.usefixtures("cheap_code_hashing")  # tests.functional.conftest

MARKUP = {"first_name": "<b>x</b><img src=x>", "last_name": '<img src="/etc/passwd"/>'}


def test_the_referent_exports_everything_as_a_pdf_with_names_escaped_and_logged(
    world: World, server_image: Path
) -> None:
    person_id, identifier, _code = _hostile_person(world, server_image, **MARKUP)
    client = world.client("conseiller")
    assert 'id="export-pdf-link"' in client.get(f"/personnes/{person_id}").get_data(as_text=True)
    answer = client.get(f"/personnes/{person_id}/donnees.pdf")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/pdf"
    assert f"donnees_{identifier}.pdf" in answer.headers["Content-Disposition"]
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.data.startswith(b"%PDF-")
    assert b"/Subtype /Image" not in answer.data, "a file of the server was embedded in the PDF"
    text = _shown_text(answer.data)
    assert "<b>x</b><img src=x>" in text and '<img src="/etc/passwd"/>' in text
    assert identifier in text
    with world.sessions() as session:
        logged = session.scalars(
            select(AccessLog.action).where(
                AccessLog.beneficiary_id == person_id, AccessLog.route.contains("donnees.pdf")
            )
        ).all()
    assert logged == ["export"]
    for username in ("collegue", "accueil", "superviseur", "ailleurs"):
        other = world.client(username)
        assert other.get(f"/personnes/{person_id}/donnees.pdf").status_code in (403, 404), username


# -- erasure on request ------------------------------------------------------------------------------


def _ended(world: World, **fields: str) -> tuple[int, int]:
    """A person whose one pathway ended with an exit: (person, pathway)."""
    pathway_id = world.start(**fields)
    with unit_of_work(world.sessions) as session:
        pathways.end_pathway(session, world.clock, pathway_id, "cdi", "test")
    return person_of(world, pathway_id), pathway_id


def _figures(world: World) -> str:
    with world.sessions() as session:
        year = world.clock.now().year
        return repr(indicators.indicators(session, "reference", indicators.Period.year(year)))


def _erasure(world: World, person_id: int) -> Erasure | None:
    with world.sessions() as session:
        return session.scalar(select(Erasure).where(Erasure.beneficiary_id == person_id))


def test_the_supervisor_anonymises_a_file_on_request_after_a_confirmation(world: World) -> None:
    person_id, pathway_id = _ended(world, last_name="Effacer")
    _ended(world, last_name="Garder")
    before = _figures(world)
    client = world.client("superviseur")
    page = client.get(f"/personnes/{person_id}")
    assert 'id="erase-link"' in page.get_data(as_text=True)
    form = client.get(f"/personnes/{person_id}/anonymisation").get_data(as_text=True)
    assert 'id="erase-form"' in form and "EFFACER" in form
    unchosen = client.post(f"/personnes/{person_id}/anonymisation", {"reason": "caprice"})
    assert unchosen.status_code == 400 and 'id="err-reason"' in unchosen.get_data(as_text=True)
    step = client.post(f"/personnes/{person_id}/anonymisation", {"reason": "effacement"})
    assert step.status_code == 200
    assert 'id="erase-confirm-form"' in step.get_data(as_text=True)
    assert _erasure(world, person_id) is None, "nothing happens before the confirmation"

    done = client.post(f"/personnes/{person_id}/anonymisation", {"reason": "effacement", "confirm": "1"})
    assert done.status_code == 200 and 'id="erase-done"' in done.get_data(as_text=True)
    erased = _erasure(world, person_id)
    assert erased is not None
    assert (erased.basis, erased.reason, erased.account_id) == (
        "request",
        "demande d'effacement (art. 17 RGPD)",
        world.ids["superviseur"],
    )
    assert _figures(world) == before
    for username in ("superviseur", "administrateur"):
        reader = world.client(username)
        assert reader.get(f"/personnes/{person_id}").status_code == 404, username
        assert reader.get(f"/parcours/{pathway_id}").status_code == 404, username
    assert world.client("administrateur").get(f"/personnes/{person_id}/donnees.json").status_code == 404
    found = world.client("administrateur").get("/personnes?nom=anonyme").get_data(as_text=True)
    assert "ANONYME" not in found, "an anonymised file is found by no search"
    assert world.api("administrateur").get("/beneficiaries?name=anonyme").get_json()["items"] == []
    with world.sessions() as session:
        person = session.get(Beneficiary, person_id)
        assert person is not None and person.last_name == "ANONYME"
        found = session.scalars(select(Beneficiary.id).where(Beneficiary.last_name == "Effacer")).all()
        assert found == []


def test_an_open_pathway_refuses_the_erasure_and_says_what_to_do(world: World) -> None:
    pathway_id = world.start(last_name="Suivie")
    person_id = person_of(world, pathway_id)
    before = _figures(world)
    admin = world.client("administrateur")
    page = admin.get(f"/personnes/{person_id}/anonymisation").get_data(as_text=True)
    assert 'id="erase-refusal"' in page and "sortie" in page and 'id="erase-form"' not in page
    answer = admin.post(f"/personnes/{person_id}/anonymisation", {"reason": "opposition", "confirm": "1"})
    assert answer.status_code == 409
    assert 'id="erase-refusal"' in answer.get_data(as_text=True)
    assert _erasure(world, person_id) is None
    assert _figures(world) == before
    with world.sessions() as session:
        person = session.get(Beneficiary, person_id)
        assert person is not None and person.last_name == "Suivie"
        assert session.get(PathwayState, pathway_id) is not None
    assert admin.get(f"/parcours/{pathway_id}").status_code == 200


def test_only_admins_and_the_structures_supervisor_anonymise(world: World) -> None:
    person_id, _pathway_id = _ended(world)
    for username in ("conseiller", "collegue", "accueil", "superviseur_sud", "coordination", "ailleurs"):
        client = world.client(username)
        answer = client.post(f"/personnes/{person_id}/anonymisation", {"reason": "erreur", "confirm": "1"})
        assert answer.status_code in (403, 404), username
        assert client.get(f"/personnes/{person_id}/anonymisation").status_code in (403, 404), username
    assert 'id="erase-link"' not in world.client("conseiller").get(f"/personnes/{person_id}").get_data(
        as_text=True
    )
    assert _erasure(world, person_id) is None


def test_the_command_line_anonymises_with_a_reason_and_refuses_an_open_pathway(
    world: World, database_url: str
) -> None:
    person_id, _pathway_id = _ended(world)
    open_person = person_of(world, world.start())
    runner = CliRunner()
    base = ["--database-url", database_url, "privacy", "erase"]
    refused = runner.invoke(
        main, [*base, str(open_person), "--reason", "opposition", "--actor", "superviseur", "--yes"]
    )
    assert refused.exit_code == 1 and "sortie" in refused.output
    assert _erasure(world, open_person) is None
    asked = runner.invoke(
        main, [*base, str(person_id), "--reason", "erreur", "--actor", "superviseur"], input="n\n"
    )
    assert asked.exit_code == 1 and _erasure(world, person_id) is None
    done = runner.invoke(
        main, [*base, str(person_id), "--reason", "erreur", "--actor", "superviseur"], input="y\n"
    )
    assert done.exit_code == 0, done.output
    erased = _erasure(world, person_id)
    assert erased is not None and erased.reason == "erreur de saisie / doublon"


# -- the register of personal data --------------------------------------------------------------------


def _tables_about_a_person() -> set[str]:
    """Read from the database model itself: every table with a beneficiary_id column."""
    return {table.name for table in Base.metadata.tables.values() if "beneficiary_id" in table.columns} | {
        "beneficiary"
    }


def test_the_register_page_follows_the_settings_and_lists_every_table_about_a_person(
    world: World, monkeypatch
) -> None:
    tables = _tables_about_a_person()
    assert {"access_log", "passport", "pathway", "portal_access", "sharing_consent"} <= tables
    monkeypatch.setenv("PARCOURS_RETENTION_YEARS", "2")
    supervisor = world.client("superviseur")
    assert 'id="register-link"' in supervisor.get("/supervision/").get_data(as_text=True)
    page = supervisor.get("/admin/donnees-personnelles")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    for name in tables:
        assert f'<code class="table-name">{name}</code>' in text, name
    assert "2 an(s) après la dernière sortie" in text and "Base légale" in text
    assert "Date de l&#39;accueil" in text or "date_accueil" in text  # a published form's field
    monkeypatch.setenv("PARCOURS_RETENTION_YEARS", "7")
    monkeypatch.setenv("PARCOURS_ACCESS_LOG_MONTHS", "18")
    admin = world.client("administrateur").get("/admin/donnees-personnelles").get_data(as_text=True)
    assert "7 an(s) après la dernière sortie" in admin and "2 an(s) après" not in admin
    assert "18 mois" in admin
    for username in ("conseiller", "accueil", "coordination"):
        assert world.client(username).get("/admin/donnees-personnelles").status_code == 403, username


def test_the_register_on_the_command_line_as_text_and_json(world: World, database_url: str) -> None:
    runner = CliRunner()
    base = ["--database-url", database_url, "privacy", "register"]
    env = {"PARCOURS_RETENTION_YEARS": "3", "PARCOURS_RETENTION_YEARS_REFERENCE": "6"}
    as_json = runner.invoke(main, [*base, "--json"], env=env)
    assert as_json.exit_code == 0, as_json.output
    found = json.loads(as_json.output)
    assert (found["retention_years"], found["retention_by_programme"]) == (3, {"reference": 6})
    listed = {table["name"] for category in found["categories"] for table in category["tables"]}
    assert _tables_about_a_person() <= listed
    identity = next(c for c in found["categories"] if c["code"] == "identity")
    readers = next(r for r in identity["readers"] if r["action"] == "read_person")["profiles"]
    assert readers["supervisor"] == ["structure"] and "coordinator" not in readers
    assert any(form["programme"] == "reference" and form["fields"] for form in found["forms"])
    text = runner.invoke(main, base, env={"PARCOURS_RETENTION_YEARS": "4"})
    assert text.exit_code == 0, text.output
    assert "4 an(s) après la dernière sortie" in text.output and "Table access_log" in text.output


def test_a_table_about_people_that_no_category_names_is_listed_to_be_classified(
    world: World, monkeypatch
) -> None:
    from parcours_engine.accounts import privacy_register

    named = {code: c for code, c in privacy_register.CATEGORIES.items() if code != "consent"}
    monkeypatch.setattr(privacy_register, "CATEGORIES", named)
    with world.sessions() as session:
        found = privacy_register.build(session, world.clock.now())
    assert found.categories[-1].code == "unclassified"
    assert [t.name for t in found.categories[-1].tables] == ["sharing_consent"]
    assert _tables_about_a_person() <= found.tables()
