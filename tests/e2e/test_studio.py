"""The coordinator studio in Chromium, against the workspace's live server (waitress, CSRF on).

A coordinator opens the `reference` programme and starts a draft, adds a user task without a form,
sees the check's error highlighted on the task, adds a form and names it, saves the draft, reloads the
page and finds the work there (and opening the programme again resumes it), publishes version 2 and
sees the diff; a pathway started afterwards is on version 2 while an older one stays on version 1 until
migrated from the migration page. The page saves by itself (autosave, and when it is closed); two
people on one draft: the stale save is refused with who saved first, the page reloads their version;
a discarded draft is gone. Chromium missing fails the test
(tests/e2e/conftest.py).
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Browser, Page, expect

from parcours_engine.persistence.models import Pathway
from parcours_engine.persistence.models.studio import ModelDraft

# The workspace's live server (waitress on 127.0.0.1, production cookie and CSRF settings).
from tests.e2e.conftest import Live, sign_in
from tests.functional.test_studio import NEW_FORM, NEW_SCHEMA, with_new_task

pytestmark = pytest.mark.e2e


def _version_of(live: Live, pathway_id: int) -> int:
    with live.world.sessions() as session:
        pathway = session.get(Pathway, pathway_id)
        assert pathway is not None
        return pathway.process_version.version


def _element(page: Page, element_id: str) -> str:
    return f'.djs-element[data-element-id="{element_id}"]'


def _start_draft(page: Page, live: Live) -> str:
    """Open the programme (no draft yet: the list), start a draft; the editor's URL."""
    page.goto(f"{live.url}/studio/reference")
    expect(page.locator("#no-drafts")).to_be_visible()
    page.click("#start-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/studio/reference/brouillons/\d+$"))
    _editor_ready(page)
    return page.url


def _editor_ready(page: Page) -> None:
    expect(page.locator("#studio")).to_have_attribute("data-ready", "true")
    expect(page.locator(_element(page, "Task_accueil"))).to_be_visible()


def test_a_coordinator_adds_a_task_fixes_its_form_publishes_and_migrates(page: Page, live: Live) -> None:
    old_pathway = live.world.start(last_name="Ancien")
    sign_in(page, live, "coordination")
    draft_url = _start_draft(page, live)

    # A new user task that names no form: the check points at it.
    page.evaluate("xml => window.studioEditor.importXML(xml)", with_new_task())
    page.click("#check")
    expect(page.locator("#problems li.error")).to_have_count(1)
    expect(page.locator("#problems")).to_contain_text("Task_nouveau")
    expect(page.locator(_element(page, "Task_nouveau"))).to_have_class(re.compile(r"\bparcours-error\b"))
    page.click("#publish")
    expect(page.locator("#status")).to_contain_text("Publication refusée")

    # Fix: a new form beside the model (previewed live), named by the task.
    page.fill("#new-form-name", NEW_FORM)
    page.click("#add-form")
    added = page.locator(f'.studio-form[data-name="{NEW_FORM}"]')
    added.locator(".expert-view").check()  # the JSON pasted in the expert view
    added.locator("textarea.schema-json").fill(NEW_SCHEMA)
    expect(added.locator(".form-preview h4")).to_have_text("Nouvelle étape")
    expect(added.locator(".form-preview input[type=checkbox]")).to_have_count(1)
    page.evaluate("xml => window.studioEditor.importXML(xml)", with_new_task(form=NEW_FORM))
    page.click("#save")
    expect(page.locator("#status")).to_contain_text("Brouillon enregistré")

    # The draft is stored: a reload, or opening the programme again, finds the task and its form.
    page.reload()
    _editor_ready(page)
    expect(page.locator(_element(page, "Task_nouveau"))).to_be_visible()
    expect(page.locator(f'.studio-form[data-name="{NEW_FORM}"] .form-preview h4')).to_have_text(
        "Nouvelle étape"
    )
    page.goto(f"{live.url}/studio/reference")
    expect(page).to_have_url(draft_url)
    _editor_ready(page)
    page.click("#check")
    expect(page.locator("#status")).to_contain_text("Aucune erreur")
    expect(page.locator("#problems li.error")).to_have_count(0)

    page.click("#publish")  # first the summary to confirm, nothing published yet
    expect(page.locator("#publish-dialog")).to_be_visible()
    expect(page.locator("#publish-summary")).to_contain_text("Nouvelle version : 2")
    expect(page.locator("#publish-summary")).to_contain_text(
        "restent sur leur version (migration à part) : 1"
    )
    page.click("#publish-cancel")
    expect(page.locator("#publish-dialog")).to_be_hidden()
    assert _version_of(live, old_pathway) == 1 and page.url == draft_url
    page.click("#publish")
    page.click("#publish-confirm")
    expect(page).to_have_url(re.compile(r"/studio/reference/versions\?publiee=2"))
    expect(page.locator("#notice")).to_have_text("Version 2 publiée.")
    expect(page.locator("#diff-added li")).to_have_count(1)  # named, the id kept out of sight
    expect(page.locator("#diff-added li")).to_have_attribute("data-element", "Task_nouveau")
    expect(page.locator("#diff-forms-added li code")).to_have_text([NEW_FORM])
    expect(page.locator("#diagram")).to_have_attribute("data-ready", "true")
    expect(page.locator(_element(page, "Task_nouveau"))).to_have_class(re.compile(r"\bparcours-added\b"))

    new_pathway = live.world.start(last_name="Nouveau")
    assert (_version_of(live, old_pathway), _version_of(live, new_pathway)) == (1, 2)

    page.goto(f"{live.url}/studio/reference/migration")
    page.check(f"#p-{old_pathway}")
    page.click("#preview-button")
    expect(page.locator(f"#preview-{old_pathway}")).to_contain_text("Accueil → Accueil")
    page.click("#migrate-form button[type=submit]")
    expect(page.locator(f"#results #preview-{old_pathway}")).to_contain_text("migré vers la version 2")
    expect(page.locator("#no-pathways")).to_be_visible()
    assert _version_of(live, old_pathway) == 2


def _relabel(page: Page, element_id: str, label: str) -> None:
    """Rename an element as a person does in the modeler (one command on its command stack)."""
    page.evaluate(
        """([id, label]) => { const modeler = window.studioEditor.modeler;
            modeler.get('modeling').updateLabel(modeler.get('elementRegistry').get(id), label); }""",
        [element_id, label],
    )


def _stored_draft(live: Live, draft_url: str) -> ModelDraft:
    with live.world.sessions() as session:
        draft = session.get(ModelDraft, int(draft_url.rsplit("/", 1)[1]))
        assert draft is not None
        session.expunge(draft)
        return draft


def _wait_for(live: Live, draft_url: str, text: str) -> ModelDraft:
    """The stored draft once it holds `text` (a save on leaving a page is not awaited by anyone)."""
    deadline = time.monotonic() + 10
    while text not in (draft := _stored_draft(live, draft_url)).files_json:
        assert time.monotonic() < deadline, f"the draft never held {text!r}"
        time.sleep(0.1)
    return draft


def test_autosave_save_on_leaving_and_a_refused_stale_save(browser: Browser, page: Page, live: Live) -> None:
    page.add_init_script("window.studioAutosaveMs = 500")  # instead of 30 s
    sign_in(page, live, "coordination")
    draft_url = _start_draft(page, live)
    _relabel(page, "Task_accueil", "Accueil relu")
    expect(page.locator("#status")).to_contain_text("Brouillon enregistré")  # nobody clicked
    _wait_for(live, draft_url, "Accueil relu")

    # Someone else changes the draft and closes their tab without saving: the page saves on leaving.
    context = browser.new_context(locale="fr-FR", viewport={"width": 1280, "height": 900})
    try:
        other = context.new_page()
        sign_in(other, live, "administrateur")
        other.goto(draft_url)
        _editor_ready(other)
        other.click("#new-form-name")  # browsers ask "leave?" only after a person acted on the page
        _relabel(other, "Task_accueil", "Accueil revu par un admin")
        other.close(run_before_unload=True)
        stored = _wait_for(live, draft_url, "Accueil revu par un admin")
        assert stored.updated_by == "administrateur"
    finally:
        context.close()

    # The coordinator's page still holds the older revision: its next save is refused, not applied.
    page.select_option("#form-picker", "ref_accueil.schema.json")
    page.fill('.studio-form[data-name="ref_accueil.schema.json"] .fe-title', "Écrasé")
    expect(page.locator("#conflict")).to_be_visible()
    expect(page.locator("#conflict-message")).to_contain_text("Administrateur a enregistré ce brouillon")
    assert "Écrasé" not in _stored_draft(live, draft_url).forms_json
    page.click("#reload")
    _editor_ready(page)
    expect(page.locator("#conflict")).to_be_hidden()
    expect(page.locator(_element(page, "Task_accueil"))).to_contain_text("Accueil revu par un admin")

    # Discarding asks first on a page of its own (no script needed), then the draft is gone.
    page.click("#discard-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Confirmer l'abandon du brouillon")
    expect(page.locator("#discard-summary")).to_contain_text("administrateur")
    page.click("#discard-confirm-form button[type=submit]")
    expect(page.locator("#notice")).to_have_text("Brouillon abandonné.")
    expect(page.locator("#no-drafts")).to_be_visible()
