"""The coordinator studio in Chromium, against the workspace's live server (waitress, CSRF on).

A coordinator opens the `reference` programme, adds a user task without a form, sees the check's error
highlighted on the task, adds a form and names it, publishes version 2 and sees the diff; a pathway
started afterwards is on version 2 while an older one stays on version 1 until migrated from the
migration page. Chromium missing fails the test (tests/e2e/conftest.py).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from parcours_engine.persistence.models import Pathway

# The workspace's live server (waitress on 127.0.0.1, production cookie and CSRF settings).
from tests.e2e.test_workspace import Live
from tests.e2e.test_workspace import live as live
from tests.functional.conftest import PASSWORD
from tests.functional.test_studio import NEW_FORM, NEW_SCHEMA, with_new_task

pytestmark = pytest.mark.e2e


def _sign_in(page: Page, live: Live, username: str) -> None:
    page.goto(f"{live.url}/connexion")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit] >> text=Se connecter")
    expect(page).not_to_have_url(re.compile(r"/connexion"))


def _version_of(live: Live, pathway_id: int) -> int:
    with live.world.sessions() as session:
        pathway = session.get(Pathway, pathway_id)
        assert pathway is not None
        return pathway.process_version.version


def _element(page: Page, element_id: str) -> str:
    return f'.djs-element[data-element-id="{element_id}"]'


def test_a_coordinator_adds_a_task_fixes_its_form_publishes_and_migrates(page: Page, live: Live) -> None:
    old_pathway = live.world.start(last_name="Ancien")
    _sign_in(page, live, "coordination")
    page.goto(f"{live.url}/studio/reference")
    expect(page.locator("#studio")).to_have_attribute("data-ready", "true")
    expect(page.locator(_element(page, "Task_accueil"))).to_be_visible()

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
    page.fill("#new-form-schema", NEW_SCHEMA)
    page.click("#add-form")
    added = page.locator(f'.studio-form[data-name="{NEW_FORM}"]')
    expect(added.locator(".form-preview h4")).to_have_text("Nouvelle étape")
    expect(added.locator(".form-preview input[type=checkbox]")).to_have_count(1)
    page.evaluate("xml => window.studioEditor.importXML(xml)", with_new_task(form=NEW_FORM))
    page.click("#check")
    expect(page.locator("#status")).to_contain_text("Aucune erreur")
    expect(page.locator("#problems li.error")).to_have_count(0)

    page.click("#publish")
    expect(page).to_have_url(re.compile(r"/studio/reference/versions\?publiee=2"))
    expect(page.locator("#notice")).to_have_text("Version 2 publiée.")
    expect(page.locator("#diff-added")).to_have_text("Task_nouveau")
    expect(page.locator("#diff-diagram")).to_have_attribute("data-ready", "true")
    expect(page.locator(_element(page, "Task_nouveau"))).to_have_class(re.compile(r"\bparcours-added\b"))

    new_pathway = live.world.start(last_name="Nouveau")
    assert (_version_of(live, old_pathway), _version_of(live, new_pathway)) == (1, 2)

    page.goto(f"{live.url}/studio/reference/migration")
    page.check(f"#p-{old_pathway}")
    page.click("#preview-button")
    expect(page.locator(f"#preview-{old_pathway}")).to_contain_text("Task_accueil → Task_accueil")
    page.click("#migrate-form button[type=submit]")
    expect(page.locator(f"#results #preview-{old_pathway}")).to_contain_text("migré vers la version 2")
    expect(page.locator("#no-pathways")).to_be_visible()
    assert _version_of(live, old_pathway) == 2
