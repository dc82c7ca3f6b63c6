"""The person's access on SQLite and PostgreSQL: access codes, throttled sign-in, their pathways, the
export of everything held about them and who accessed their file; and the passport's indicators."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.accounts import accounts
from parcours_engine.domain.clock import FrozenClock
from parcours_engine.domain.errors import Forbidden
from parcours_engine.passport import consent, passport, portal, portal_export
from parcours_engine.passport import pdf as passport_pdf
from parcours_engine.persistence.models import Beneficiary
from parcours_engine.persistence.models.passport import PortalAccess
from parcours_engine.persistence.uow import unit_of_work
from tests.integration.test_passport import _pathway_with_referent, account, people

HERE, ELSEWHERE = "192.0.2.1", "198.51.100.7"


@pytest.fixture(autouse=True)
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2 at its production cost takes a fair part of a second per hash: tests use a light one."""
    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    monkeypatch.setattr(portal, "_hasher", light)
    monkeypatch.setattr(portal, "_DUMMY_HASH", light.hash("AAAAAAAA"))


def followed(sessions: sessionmaker[Session], clock: FrozenClock) -> tuple[dict[str, int], str, str]:
    """People, the person's pathway with `referente`, their identifier and a fresh code."""
    ids = people(sessions, clock)
    with unit_of_work(sessions) as session:
        ids["pathway"] = _pathway_with_referent(session, clock, ids["person"], ids["referente"])
        code = portal.issue_code(session, clock, account(session, "referente"), ids["person"], "/card")
        person = session.get(Beneficiary, ids["person"])
        assert person is not None
        identifier = person.identifier
    return ids, identifier, code


def test_the_code_signs_in_is_stored_hashed_and_only_referents_issue_it(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    ids, identifier, code = followed(sessions, clock)
    assert len(code) == portal.CODE_LENGTH and set(code) <= set(portal.ALPHABET)
    with unit_of_work(sessions) as session:
        assert (
            portal.sign_in(session, clock, identifier.lower(), portal.display_code(code).lower(), HERE)
            == ids["person"]
        )
        assert portal.sign_in(session, clock, identifier, "WRONG-CODE", HERE) is None
        assert portal.sign_in(session, clock, "PE-0000-999999", code, HERE) is None
        row = session.scalar(select(PortalAccess))
        assert row is not None and code not in row.code_hash and row.code_hash.startswith("$argon2")
        for name in ("educ", "autre", "chef"):
            with pytest.raises(Forbidden):
                portal.issue_code(session, clock, account(session, name), ids["person"], "/card")


def test_wrong_codes_lock_the_address_for_thirty_minutes_never_the_person(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    ids, identifier, code = followed(sessions, clock)
    for _ in range(portal.MAX_FAILURES):
        with unit_of_work(sessions) as session:
            assert portal.sign_in(session, clock, identifier, "AAAA-AAAA", HERE) is None
    with pytest.raises(portal.PortalLocked) as locked, unit_of_work(sessions) as session:
        portal.sign_in(session, clock, identifier, code, HERE)  # even the right code, from there
    assert locked.value.until == clock.now() + timedelta(minutes=30)
    with unit_of_work(sessions) as session:  # the person, from elsewhere, is not locked out
        assert portal.sign_in(session, clock, identifier, code, ELSEWHERE) == ids["person"]
    clock.advance(timedelta(minutes=31))
    with unit_of_work(sessions) as session:
        assert portal.sign_in(session, clock, identifier, code, HERE) == ids["person"]
    with unit_of_work(sessions) as session:
        new_code = portal.issue_code(session, clock, account(session, "referente"), ids["person"], "/card")
    with unit_of_work(sessions) as session:
        assert portal.sign_in(session, clock, identifier, code, HERE) is None  # the old code no longer works
        assert portal.sign_in(session, clock, identifier, new_code, HERE) == ids["person"]


def test_the_person_reads_their_pathways_exports_everything_and_sees_who_accessed(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    ids, _identifier, _code = followed(sessions, clock)
    person = ids["person"]
    with unit_of_work(sessions) as session:  # one unit of work, one row per file: a read, then a change
        passport.read(session, clock, account(session, "referente"), person, "/passeport")
    with unit_of_work(sessions) as session:
        given = passport.ExperienceInput("Hôtel Ajaccio", "G", "stage", date(2026, 1, 2), date(2026, 1, 4))
        passport.add_experience(session, clock, account(session, "referente"), person, given, "/t")
    with sessions() as session:
        (overview,) = portal.pathways_of(session, person)
        assert overview.referent_name == "referente" and overview.status == "active"
        assert [s.name for s in overview.upcoming] and not overview.done
        exported = portal_export.export(session, clock, person)
        seen = portal.accesses(session, person)
    json.dumps(exported)  # JSON all through
    assert exported["person"]["identifier"].startswith("PE-")
    assert exported["pathways"][0]["programme"] == "reference"
    assert exported["pathways"][0]["events"][0]["kind"] == "started"
    assert exported["passport"]["experiences"][0]["company"] == "Hôtel Ajaccio"
    assert len(exported["passport"]["competences"]) >= 10
    assert "code_hash" not in exported["portal_access"][0]
    assert {e["action"] for e in exported["access_log"]} == {"read", "change"}
    assert [e.who for e in seen][:2] == ["referente", "referente"]
    assert {e.action for e in seen} == {"read", "change"}


def test_indicators_count_periods_levels_partners_and_jobs(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    ids = people(sessions, clock)
    person = ids["person"]
    with unit_of_work(sessions) as session:
        _pathway_with_referent(session, clock, person, ids["referente"])
        me = account(session, "referente")
        pjj = accounts.ensure_structure(session, "pjj")
        consent.give(session, clock, me, person, pjj.id, date(2026, 1, 5), "/t")
        stage = passport.ExperienceInput("Hôtel Ajaccio", "G", "pmsmp", date(2026, 1, 2), date(2026, 1, 4))
        passport.add_experience(session, clock, me, person, stage, "/t")
    clock.advance(timedelta(days=40))
    with unit_of_work(sessions) as session:
        job = passport.ExperienceInput("Garage Casanova", "I", "cdd", date(2026, 2, 1), date(2026, 8, 1))
        educ = account(session, "educ")
        experience = passport.add_experience(session, clock, educ, person, job, "/t")
        passport.update_competences(
            session, clock, educ, person, {"ponctualite": "acquise"}, date(2026, 2, 10), experience.id, "/t"
        )
    with sessions() as session:
        figures = passport.indicators(session, "reference", date(2026, 1, 1), date(2026, 3, 31))
        other = passport.indicators(session, "civis", date(2026, 1, 1), date(2026, 3, 31))
        before = passport.indicators(session, None, date(2026, 1, 1), date(2026, 1, 31))
    json.dumps(figures)
    assert figures["people"] == 1 and other["people"] == 0
    assert figures["company_periods"]["total"] == 2
    assert {k["code"]: k["count"] for k in figures["company_periods"]["by_kind"]} == {"cdd": 1, "pmsmp": 1}
    assert figures["employment_situations"]["total"] == 1
    ponctualite = figures["competences"]["by_competence"][0]
    assert ponctualite["code"] == "ponctualite" and ponctualite["progressed"] == 1
    assert {level["code"]: level["count"] for level in ponctualite["start"]}["a_verifier"] == 1
    assert {level["code"]: level["count"] for level in ponctualite["end"]}["acquise"] == 1
    partners = {s["code"]: s for s in figures["partners"]["structures"]}
    assert partners["pjj"]["contributions"] == 2 and partners["pjj"]["consents"] == 1
    assert partners["ml"]["contributions"] == 1
    assert before["company_periods"]["total"] == 1 and before["employment_situations"]["total"] == 0


def test_the_pdf_is_the_passport_the_screen_shows(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    ids, _identifier, _code = followed(sessions, clock)
    with unit_of_work(sessions) as session:
        given = passport.ExperienceInput(
            "Hôtel l'Île Rousse", "G", "stage", date(2026, 1, 2), date(2026, 1, 4)
        )
        passport.add_experience(session, clock, account(session, "referente"), ids["person"], given, "/t")
    with sessions() as session:
        view = passport.view(session, ids["person"])
    pdf = passport_pdf.render(view, clock.now())
    assert pdf.startswith(b"%PDF-") and pdf.rstrip().endswith(b"%%EOF")
    assert passport_pdf.render(view, clock.now()) == pdf  # reproducible: nothing random inside
    assert b"Passeport emploi" in pdf
