"""The employment passport on SQLite and PostgreSQL: fed by the Passeport emploi programme's tasks,
written by referents, guarded by consent, with documents checked by their first bytes."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.accounts import accounts
from parcours_engine.domain.clock import FrozenClock
from parcours_engine.domain.errors import FieldError, Forbidden, InvalidInput, NotFound
from parcours_engine.engine.loader import read_library_dir
from parcours_engine.passport import consent, passport, references
from parcours_engine.passport import referential as passport_referential
from parcours_engine.passport import tasks as passport_tasks
from parcours_engine.passport.tasks import CONTRACT_KINDS
from parcours_engine.pathways import beneficiaries, pathways
from parcours_engine.persistence.models import AccessLog, Account, WorkItem
from parcours_engine.persistence.models.passport import CompetenceAssessment, Experience
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.studio.publishing import publish_library
from tests.conftest import REPO
from tests.support.library import FIXTURE_LIBRARY
from tests.support.scenario import Scenario, publish_real_library

OPENING = {
    "date_ouverture": "2026-01-05",
    "public": "civis",
    "structure_referente": "mission_locale",
    "charte_acceptee": True,
    "identifiant_remis": True,
}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def people(sessions: sessionmaker[Session], clock: FrozenClock) -> dict[str, int]:
    """A mission locale with a referent, a partner structure with its referent, a person followed."""
    with unit_of_work(sessions) as session:
        accounts.ensure_structure(session, "ml", "Mission locale", "mission_locale")
        accounts.ensure_structure(session, "pjj", "PJJ", "partner")
        ids = {
            name: accounts.create_account(
                session, clock, username=name, password=None, role=role, structure_code=code, team=team
            ).id
            for name, role, code, team in (
                ("referente", "counsellor", "ml", "referent"),
                ("autre", "counsellor", "ml", "referent"),
                ("educ", "partner", "pjj", "partenaire"),
                ("chef", "supervisor", "ml", None),
            )
        }
        person = beneficiaries.create_beneficiary(
            session, clock, last_name="Martin", first_name="Léa", birth_date=date(2004, 3, 1), sex="F"
        )
        ids["person"] = person.id
    return ids


def account(session: Session, name: str) -> Account:
    return accounts.by_username(session, name)


def passport_scenario(sessions: sessionmaker[Session], clock: FrozenClock, monkeypatch: Any) -> Scenario:
    publish_real_library(sessions, clock, monkeypatch)
    return Scenario(sessions, clock, "passeport_emploi")


def test_the_programme_opens_the_passport_then_records_a_period_and_the_levels_after_it(
    sessions: sessionmaker[Session], clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    s = passport_scenario(sessions, clock, monkeypatch)
    s.do("Ouvrir le passeport avec la personne", OPENING, form="passeport_ouverture.schema.json")
    with sessions() as session:
        opened = passport.view(session, s.beneficiary_id)
    assert opened.passport is not None and opened.passport.opened_on == date(2026, 1, 5)
    codes = [c.code for c in passport_referential.referential().competences]
    assert [c.code for c in opened.competences] == codes  # none excluded up front
    assert {c.level_label for c in opened.competences} == {"À vérifier"}

    s.do(
        "Planifier la prochaine période en entreprise",
        {
            "prochaine_etape": "periode_entreprise",
            "date_debut_periode_prevue": s.day(7),
            "date_fin_periode_prevue": s.day(21),
        },
    )
    s.advance(days=22).fire_timers()
    s.do(
        "Enregistrer l'expérience professionnelle",
        {
            "entreprise": "Boulangerie Santucci",
            "secteur": "D",
            "code_rome": "D1102",
            "type_periode": "pmsmp",
            "date_debut_periode": "2026-01-12",
            "date_fin_periode": "2026-01-26",
            "reference": "attestation_employeur",
        },
    )
    levels = dict.fromkeys(codes, "a_verifier") | {"ponctualite": "acquise", "autonomie": "en_cours"}
    s.do(
        "Actualiser les compétences sociales avec l'employeur",
        {
            "competences_sociales": levels,
            "date_evaluation": s.day(),
            "employeur_consulte": True,
            "personne_consultee": True,
        },
    )
    with sessions() as session:
        after = passport.view(session, s.beneficiary_id)
    (experience,) = after.experiences
    assert (experience.company, experience.kind, experience.sector) == ("Boulangerie Santucci", "pmsmp", "D")
    assert experience.ended_on == date(2026, 1, 26) and experience.pathway_id == s.id
    by_code = {c.code: c for c in after.competences}
    assert by_code["ponctualite"].level_label == "Acquise"
    assert by_code["autonomie"].level_label == "En cours d'acquisition"
    # The evolution is kept: opening "à vérifier", then the level after the period, linked to it.
    history = by_code["ponctualite"].history
    assert [h.level for h in history] == ["a_verifier", "acquise"]
    assert history[-1].experience_id == experience.id and history[-1].recorded_by == "referent"
    assert s.open_task_names() == ["Planifier la prochaine période en entreprise"]


def test_an_employment_recorded_by_any_programme_lands_in_the_passport(
    sessions: sessionmaker[Session], clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """emploi.schema.json (CIVIS, IEJ, SAS, suivi dans l'emploi) records an employment situation."""
    publish_real_library(sessions, clock, monkeypatch)
    with unit_of_work(sessions) as session:
        person = beneficiaries.create_beneficiary(
            session, clock, last_name="Paoli", first_name="Jean", birth_date=date(2003, 6, 1), sex="M"
        )
        pathway = pathways.start_pathway(session, clock, "civis", person.id, "accueil")
        item = WorkItem(
            pathway_id=pathway.id,
            task_uuid="x",
            element_id="Task_emploi",
            process_id="civis",
            name="Enregistrer l'emploi",
            form="emploi.schema.json",
            status="completed",
            created_at=clock.now(),
        )
        session.add(item)
        session.flush()
        data = {
            "type_contrat": "apprentissage",
            "employeur": "Garage Casanova",
            "secteur": "I",
            "date_debut_contrat": "2026-02-01",
            "duree_contrat_mois": 24,
            "temps_travail": "temps_plein",
        }
        passport_tasks.on_task_completed(session, clock, pathway, item, data, "accueil")
        passport_tasks.on_task_completed(session, clock, pathway, item, data, "accueil")  # a retry
        person_id = person.id
    with sessions() as session:
        view = passport.view(session, person_id)
    (job,) = view.experiences
    assert (job.kind, job.started_on, job.ended_on) == ("alternance", date(2026, 2, 1), date(2028, 2, 1))


def test_referents_write_partners_need_the_persons_consent(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    ids = people(sessions, clock)
    person = ids["person"]
    with unit_of_work(sessions) as session:
        pathways_start = _pathway_with_referent(session, clock, person, ids["referente"])
        assert pathways_start
    given = passport.ExperienceInput("Hôtel Ajaccio", "G", "stage", date(2026, 1, 2), date(2026, 1, 4))
    with unit_of_work(sessions) as session:
        passport.add_experience(session, clock, account(session, "referente"), person, given, "/t")
    with pytest.raises(Forbidden), unit_of_work(sessions) as session:
        passport.add_experience(session, clock, account(session, "educ"), person, given, "/t")
    with pytest.raises(Forbidden), unit_of_work(sessions) as session:
        passport.read(session, clock, account(session, "educ"), person, "/t")
    with pytest.raises(Forbidden), unit_of_work(sessions) as session:
        passport.add_experience(session, clock, account(session, "autre"), person, given, "/t")
    with pytest.raises(Forbidden), unit_of_work(sessions) as session:
        passport.add_experience(session, clock, account(session, "chef"), person, given, "/t")
    with pytest.raises(NotFound), unit_of_work(sessions) as session:
        passport.read(session, clock, account(session, "referente"), person + 99, "/t")
    with unit_of_work(sessions) as session:
        passport.read(session, clock, account(session, "chef"), person, "/t")  # supervisors read
        pjj = account(session, "educ").structure_id
        assert pjj is not None
        with pytest.raises(Forbidden):  # the partner cannot give themself the consent
            consent.give(session, clock, account(session, "educ"), person, pjj, date(2026, 1, 5), "/t")
        given_consent = consent.give(
            session, clock, account(session, "referente"), person, pjj, date(2026, 1, 5), "/t"
        )
        consent_id = given_consent.id
    with unit_of_work(sessions) as session:
        passport.add_experience(session, clock, account(session, "educ"), person, given, "/t")
        (row,) = consent.listing(session, person)[:1]
        assert row[0].recorded_by == "referente" and row[1].code == "pjj" and row[0].withdrawn_at is None
    with unit_of_work(sessions) as session:
        consent.withdraw(session, clock, account(session, "referente"), person, consent_id, "/t")
    with pytest.raises(Forbidden), unit_of_work(sessions) as session:
        passport.add_experience(session, clock, account(session, "educ"), person, given, "/t")
    with sessions() as session:
        experiences = session.scalars(select(Experience).order_by(Experience.id)).all()
        assert [e.recorded_by for e in experiences] == ["referente", "educ"]
        logged = session.scalars(select(AccessLog.action).where(AccessLog.beneficiary_id == person)).all()
        assert "change" in logged and "read" in logged


def test_a_partner_cannot_complete_a_passport_task_without_consent(
    sessions: sessionmaker[Session], clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = people(sessions, clock)
    s = passport_scenario(sessions, clock, monkeypatch)
    item = s.expect_task("Ouvrir le passeport avec la personne")
    with pytest.raises(Forbidden), unit_of_work(sessions) as session:
        pathways.complete_work_item(session, clock, item.id, OPENING, "educ")
    assert s.open_task_names() == ["Ouvrir le passeport avec la personne"]
    with unit_of_work(sessions) as session:
        pjj = account(session, "educ").structure_id
        assert pjj is not None and ids
        session.add(
            consent.SharingConsent(
                beneficiary_id=s.beneficiary_id,
                structure_id=pjj,
                given_on=date(2026, 1, 5),
                recorded_at=clock.now(),
                recorded_by="referente",
            )
        )
    with unit_of_work(sessions) as session:
        pathways.complete_work_item(session, clock, item.id, OPENING, "educ")
    with sessions() as session:
        assert passport.view(session, s.beneficiary_id).passport is not None


def test_levels_are_closed_and_dated_and_history_grows(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    ids = people(sessions, clock)
    person = ids["person"]
    with unit_of_work(sessions) as session:
        _pathway_with_referent(session, clock, person, ids["referente"])
        me = account(session, "referente")
        passport.open_passport(session, clock, me, person, "/t")
        with pytest.raises(InvalidInput) as bad:
            passport.update_competences(
                session,
                clock,
                me,
                person,
                {"ponctualite": "excellent", "charisme": "acquise"},
                date(2026, 1, 5),
                None,
                "/t",
            )
        assert bad.value.field_errors == {
            "ponctualite": [FieldError("field.choice")],
            "charisme": [FieldError("passport.unknown_competence")],
        }
        with pytest.raises(InvalidInput):
            passport.update_competences(
                session, clock, me, person, {"ponctualite": "acquise"}, date(2026, 2, 1), None, "/t"
            )
    for day, level in ((5, "non_acquise"), (5, "en_cours")):
        with unit_of_work(sessions) as session:
            passport.update_competences(
                session,
                clock,
                account(session, "referente"),
                person,
                {"ponctualite": level},
                date(2026, 1, day),
                None,
                "/t",
            )
    with sessions() as session:
        (ponctualite, *_) = passport.view(session, person).competences
        assert [h.level for h in ponctualite.history] == ["a_verifier", "non_acquise", "en_cours"]
        total = session.scalar(select(func.count(CompetenceAssessment.id)))
        assert total == len(passport_referential.referential().competences) + 2


def test_references_are_pdf_png_or_jpeg_by_their_bytes_and_small(
    sessions: sessionmaker[Session], clock: FrozenClock
) -> None:
    ids = people(sessions, clock)
    person = ids["person"]
    with unit_of_work(sessions) as session:
        _pathway_with_referent(session, clock, person, ids["referente"])
        me = account(session, "referente")
        document = references.attach_reference(
            session, clock, me, person, "attestation_employeur", date(2026, 1, 3), PDF, "/t"
        )
        assert (document.media_type, document.size) == ("application/pdf", len(PDF))
        assert references.download_name(document) == "attestation_employeur_2026-01-03.pdf"
        for content, code in (
            (b"<html>not a pdf</html>", "passport.file_type"),
            (b"", "field.required"),
            (b"%PDF-" + b"0" * references.MAX_DOCUMENT_BYTES, "passport.file_too_large"),
        ):
            with pytest.raises(InvalidInput) as refused:
                references.attach_reference(
                    session, clock, me, person, "attestation_employeur", date(2026, 1, 3), content, "/t"
                )
            assert [error.code for error in refused.value.field_errors["file"]] == [code]
        with pytest.raises(InvalidInput):
            references.attach_reference(
                session, clock, me, person, "journal_intime", date(2026, 1, 3), PDF, "/t"
            )
        document_id = document.id
    with sessions() as session:
        stored = references.reference_document(session, person, document_id)
        assert stored.content == PDF
        with pytest.raises(NotFound):
            references.reference_document(session, person + 1, document_id)


def test_the_referential_shares_its_codes_with_the_forms_of_the_library() -> None:
    """A coordinator who changes one must change the other: this test names the difference."""
    ref = passport_referential.referential()
    form = json.loads((REPO / "forms" / "competences_sociales.schema.json").read_text())
    competences = form["properties"]["competences_sociales"]["properties"]
    assert [c.code for c in ref.competences] == list(competences)
    for schema in competences.values():
        assert {o["const"] for o in schema["oneOf"]} == ref.codes("levels")
    experience = json.loads((REPO / "forms" / "experience_professionnelle.schema.json").read_text())[
        "properties"
    ]
    assert {o["const"] for o in experience["secteur"]["oneOf"]} <= ref.codes("sectors")
    assert {o["const"] for o in experience["type_periode"]["oneOf"]} <= ref.codes("period_kinds")
    assert {o["const"] for o in experience["reference"]["oneOf"]} <= ref.codes("references_obtained")
    assert set(CONTRACT_KINDS.values()) <= ref.codes("period_kinds")
    with pytest.raises(passport_referential.ReferentialError, match="niveau_initial"):
        passport_referential.parse(json.dumps({**_raw(), "niveau_initial": "inconnu"}))


def _raw() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(passport_referential.path().read_text())
    return loaded


def _pathway_with_referent(session: Session, clock: FrozenClock, person: int, referent_id: int) -> int:
    """A pathway of the person whose referent is `referent_id` (the test library's reference model)."""

    bpmn, forms = read_library_dir(FIXTURE_LIBRARY / "processes", FIXTURE_LIBRARY / "forms")
    publish_library(session, clock, bpmn, forms, "test")
    return pathways.start_pathway(session, clock, "reference", person, "referente", referent_id).id
