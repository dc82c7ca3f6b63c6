"""Studio drafts on a real database: edit, check, publish, refuse (nothing stored), compare versions."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from parcours_engine.domain.errors import ConflictError, FieldError, Forbidden, InvalidInput, ModelError
from parcours_engine.persistence.models import Account, Pathway, ProcessVersion
from parcours_engine.persistence.models.studio import ModelDraft
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.studio import studio, versions
from tests.functional.test_studio import NEW_FORM, NEW_SCHEMA, REFERENCE, XXE_PROLOGUE, with_new_task
from tests.support.library import publish_fixture, start

FORMS_NEEDED = {"ref_accueil.schema.json", "ref_diagnostic.schema.json", "ref_sortie.schema.json"}


@pytest.fixture
def published(sessions, clock) -> None:
    publish_fixture(sessions, clock)


def account(sessions, clock, role: str) -> Account:
    with unit_of_work(sessions) as session:
        person = Account(username=role, display_name=role, role=role, active=True, created_at=clock.now())
        session.add(person)
        session.flush()
        session.expunge(person)
        return person


def new_draft(sessions, clock, actor: Account) -> int:
    with unit_of_work(sessions) as session:
        return studio.start_draft(session, clock, actor, "reference").id


def counts(sessions) -> tuple[int, int]:
    with sessions() as session:
        published = session.scalar(select(func.count()).select_from(ProcessVersion))
        drafts = session.scalar(select(func.count()).select_from(ModelDraft))
        return published or 0, drafts or 0


def save_file(sessions, clock, actor, draft_id, text: str, revision=None) -> ModelDraft:
    with unit_of_work(sessions) as session:
        return studio.save_file(session, clock, actor, draft_id, "reference.bpmn", text.encode(), revision)


def test_a_draft_holds_the_whole_library_of_its_programme(sessions, clock, published):
    coordinator = account(sessions, clock, "coordinator")
    draft_id = new_draft(sessions, clock, coordinator)
    with sessions() as session:
        draft = studio.get_draft(session, draft_id)
        bpmn, forms = studio.draft_library(draft)
        base = session.get(ProcessVersion, draft.base_version_id)
        assert base is not None and base.version == 1
        assert (draft.author, draft.revision) == ("coordinator", 1)
        assert studio.check_draft(session, draft_id) == []
    assert sorted(bpmn) == ["blocs/formation.bpmn", "reference.bpmn"]  # the block it calls too
    assert set(forms) >= FORMS_NEEDED


def test_add_a_task_see_its_error_fix_it_with_a_form_and_publish_version_two(sessions, clock, published):
    coordinator = account(sessions, clock, "coordinator")
    before = start(sessions, clock)
    draft_id = new_draft(sessions, clock, coordinator)
    save_file(sessions, clock, coordinator, draft_id, with_new_task(form=NEW_FORM))
    with sessions() as session:
        errors = [p for p in studio.check_draft(session, draft_id) if p.severity == "error"]
    assert [(p.file, p.element) for p in errors] == [("reference.bpmn", "Task_nouveau")]
    assert NEW_FORM in errors[0].message

    with unit_of_work(sessions) as session:
        studio.save_form(session, clock, coordinator, draft_id, NEW_FORM, NEW_SCHEMA.encode(), 2)
    with unit_of_work(sessions) as session:
        assert studio.check_draft(session, draft_id) == []
        result = studio.publish_draft(session, clock, coordinator, draft_id)
    assert (result.programme, result.version, result.created) == ("reference", 2, True)
    assert counts(sessions) == (2, 0)  # the draft became the version

    after = start(sessions, clock)
    with sessions() as session:
        history = versions.history(session, "reference")
        on = {p: session.get(Pathway, p).process_version.version for p in (before, after)}
    assert on == {before: 1, after: 2}  # running pathways stay on their version
    assert [(v.version, v.published_by, v.active_pathways) for v in history] == [
        (1, "test", 1),
        (2, "coordinator", 1),
    ]
    assert history[-1].published_at == clock.now()


def test_publishing_a_draft_with_an_error_stores_nothing_and_keeps_the_draft(sessions, clock, published):
    coordinator = account(sessions, clock, "coordinator")
    draft_id = new_draft(sessions, clock, coordinator)
    save_file(sessions, clock, coordinator, draft_id, with_new_task())  # a task without its form
    with pytest.raises(ModelError) as refused, unit_of_work(sessions) as session:
        studio.publish_draft(session, clock, coordinator, draft_id)
    assert [p.element for p in refused.value.problems] == ["Task_nouveau"]
    assert counts(sessions) == (1, 1)


def test_a_draft_that_renames_the_process_is_not_published(sessions, clock, published):
    coordinator = account(sessions, clock, "coordinator")
    draft_id = new_draft(sessions, clock, coordinator)
    renamed = REFERENCE.replace('process id="reference"', 'process id="autre"').replace(
        'bpmnElement="reference"', 'bpmnElement="autre"'
    )
    save_file(sessions, clock, coordinator, draft_id, renamed)
    with pytest.raises(ModelError, match="reference"), unit_of_work(sessions) as session:
        studio.publish_draft(session, clock, coordinator, draft_id)
    assert counts(sessions) == (1, 1)  # not even the "autre" programme


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (XXE_PROLOGUE + REFERENCE.split("\n", 1)[1], "DOCTYPE and entities are not allowed"),
        (REFERENCE.replace("echeance = iso(", "import os\necheance = iso(", 1), "import"),
        (REFERENCE.replace("ratio = 10 / diviseur", "ratio = diviseur.__class__", 1), "__class__"),
        ("<bpmn:definitions", "malformed XML"),
    ],
    ids=["xxe", "import", "dunder", "malformed"],
)
def test_an_unsafe_upload_is_refused_with_the_loaders_message_and_not_stored(
    sessions, clock, published, body, message
):
    coordinator = account(sessions, clock, "coordinator")
    with pytest.raises(ModelError) as refused, unit_of_work(sessions) as session:
        studio.upload_draft(session, clock, coordinator, "reference", {"reference.bpmn": body.encode()})
    assert message in str(refused.value)
    assert refused.value.problems[0].file == "reference.bpmn"
    assert counts(sessions) == (1, 0)


def test_an_unsafe_save_leaves_the_draft_as_it_was(sessions, clock, published):
    coordinator = account(sessions, clock, "coordinator")
    draft_id = new_draft(sessions, clock, coordinator)
    unsafe = REFERENCE.replace("echeance = iso(", "import subprocess\necheance = iso(", 1)
    with pytest.raises(ModelError) as refused:
        save_file(sessions, clock, coordinator, draft_id, unsafe)
    assert refused.value.problems[0].element == "Script_calcul"
    with sessions() as session:
        draft = studio.get_draft(session, draft_id)
        assert "subprocess" not in draft.files_json and draft.revision == 1


def test_a_safe_upload_lays_the_file_over_the_latest_library(sessions, clock, published):
    coordinator = account(sessions, clock, "coordinator")
    with unit_of_work(sessions) as session:
        draft = studio.upload_draft(
            session,
            clock,
            coordinator,
            "reference",
            {"reference.bpmn": with_new_task(form=NEW_FORM).encode()},
            {NEW_FORM: NEW_SCHEMA.encode()},
        )
        bpmn, forms = studio.draft_library(draft)
        assert studio.check_draft(session, draft.id) == []
    assert "blocs/formation.bpmn" in bpmn and NEW_FORM in forms


def test_file_names_cannot_escape_the_library(sessions, clock, published):
    coordinator = account(sessions, clock, "coordinator")
    draft_id = new_draft(sessions, clock, coordinator)
    with pytest.raises(InvalidInput) as bpmn, unit_of_work(sessions) as session:
        studio.save_file(session, clock, coordinator, draft_id, "../etc/x.bpmn", REFERENCE.encode(), None)
    assert bpmn.value.field_errors == {"file": [FieldError("studio.bpmn_name", name="../etc/x.bpmn")]}
    with pytest.raises(InvalidInput) as form, unit_of_work(sessions) as session:
        studio.save_form(session, clock, coordinator, draft_id, "../x.json", b"{}", None)
    assert form.value.field_errors == {"form": [FieldError("studio.form_name", name="../x.json")]}


def test_only_coordinators_and_admins_edit_and_publish(sessions, clock, published):
    coordinator = account(sessions, clock, "coordinator")
    counsellor = account(sessions, clock, "counsellor")
    admin = account(sessions, clock, "admin")
    draft_id = new_draft(sessions, clock, coordinator)
    for attempt in (
        lambda session: studio.start_draft(session, clock, counsellor, "reference"),
        lambda session: studio.publish_draft(session, clock, counsellor, draft_id),
        lambda session: studio.discard_draft(session, counsellor, draft_id),
        lambda session: studio.upload_draft(session, clock, counsellor, "reference", {}),
    ):
        with pytest.raises(Forbidden), unit_of_work(sessions) as session:
            attempt(session)
    assert counts(sessions) == (1, 1)
    with unit_of_work(sessions) as session:
        save = studio.save_file(
            session, clock, admin, draft_id, "reference.bpmn", with_new_task().encode(), 1
        )
        assert save.revision == 2


def test_a_stale_revision_is_a_conflict_not_an_overwrite(sessions, clock, published):
    coordinator = account(sessions, clock, "coordinator")
    draft_id = new_draft(sessions, clock, coordinator)
    save_file(sessions, clock, coordinator, draft_id, with_new_task(), revision=1)
    with pytest.raises(ConflictError):
        save_file(sessions, clock, coordinator, draft_id, REFERENCE, revision=1)  # opened before the save
    with sessions() as session:
        assert "Task_nouveau" in studio.get_draft(session, draft_id).files_json


def test_a_draft_remembers_who_saved_it_last_and_resumes_for_its_author(sessions, clock, published):
    coordinator = account(sessions, clock, "coordinator")
    admin = account(sessions, clock, "admin")
    draft_id = new_draft(sessions, clock, coordinator)
    clock.advance(minutes=7)
    save_file(sessions, clock, admin, draft_id, with_new_task(), revision=1)
    with sessions() as session:
        draft = studio.get_draft(session, draft_id)
        assert (draft.author, draft.updated_by, draft.updated_at) == ("coordinator", "admin", clock.now())
        assert studio.resumable_draft(session, coordinator, "reference") == draft  # started it
        assert studio.resumable_draft(session, admin, "reference") is None  # only saved it
        assert studio.main_file(session, draft) == "reference.bpmn"
        assert studio.open_draft_counts(session) == {"reference": 1}


def test_discarding_or_publishing_from_a_stale_revision_is_a_conflict(sessions, clock, published):
    coordinator = account(sessions, clock, "coordinator")
    draft_id = new_draft(sessions, clock, coordinator)
    with unit_of_work(sessions) as session:
        studio.save_form(session, clock, coordinator, draft_id, NEW_FORM, NEW_SCHEMA.encode(), 1)
    for attempt in (
        lambda session: studio.discard_draft(session, coordinator, draft_id, revision=1),
        lambda session: studio.publish_draft(session, clock, coordinator, draft_id, revision=1),
    ):
        with pytest.raises(ConflictError), unit_of_work(sessions) as session:
            attempt(session)
    assert counts(sessions) == (1, 1)
    with unit_of_work(sessions) as session:
        studio.discard_draft(session, coordinator, draft_id, revision=2)
    assert counts(sessions) == (1, 0)


def test_two_sessions_saving_at_once_one_wins_the_other_gets_a_conflict(sessions, clock, published):
    coordinator = account(sessions, clock, "coordinator")
    draft_id = new_draft(sessions, clock, coordinator)
    first, second = sessions(), sessions()
    try:
        mine = studio.get_draft(first, draft_id)
        theirs = studio.get_draft(second, draft_id)
        assert mine.revision == theirs.revision == 1
        studio.save_form(first, clock, coordinator, draft_id, "a.json", b"{}", 1)
        first.commit()
        with pytest.raises(ConflictError):
            studio.save_form(second, clock, coordinator, draft_id, "b.json", b"{}", None)
        second.rollback()
    finally:
        first.close()
        second.close()
    with sessions() as session:
        forms = json.loads(studio.get_draft(session, draft_id).forms_json)
    assert "a.json" in forms and "b.json" not in forms


def test_comparing_versions_names_elements_and_forms(sessions, clock, published):
    coordinator = account(sessions, clock, "coordinator")
    draft_id = new_draft(sessions, clock, coordinator)
    edited = with_new_task(form=NEW_FORM).replace("ratio = 10 / diviseur", "ratio = 20 / diviseur")
    save_file(sessions, clock, coordinator, draft_id, edited)
    with unit_of_work(sessions) as session:
        studio.save_form(session, clock, coordinator, draft_id, NEW_FORM, NEW_SCHEMA.encode(), None)
        studio.publish_draft(session, clock, coordinator, draft_id)
    with sessions() as session:
        v1, v2 = (v.id for v in versions.history(session, "reference"))
        comparison = versions.diff(session, v1, v2)
    added = [(c.element_id, c.name) for c in comparison.elements.added]
    assert added == [("Task_nouveau", "Nouvelle étape")]
    assert comparison.elements.removed == ()
    changed = {c.element_id: c.attributes for c in comparison.elements.changed}
    assert changed["Script_calcul"] == ("script",)  # a changed script counts, not only names
    assert "outputs" in changed["Task_sortie"]
    assert comparison.forms_added == (NEW_FORM,)
    assert (comparison.old_version, comparison.new_version) == (1, 2)
