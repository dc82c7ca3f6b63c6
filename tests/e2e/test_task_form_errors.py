"""In Chromium: a task form submitted with two mistakes shows both at once, marked at their fields
and in the summary at the top, with every value kept (issue 15, point 3)."""

from __future__ import annotations

import json
import re
import shutil

from playwright.sync_api import Page, expect

from tests.e2e.conftest import Live, sign_in
from tests.functional.test_task_form_errors import FORM
from tests.support.library import FIXTURE_LIBRARY, publish_fixture

RED = "rgb(179, 38, 30)"


def test_two_mistakes_are_marked_together_and_nothing_typed_is_lost(page: Page, live: Live, tmp_path):
    root = tmp_path / "library"
    shutil.copytree(FIXTURE_LIBRARY, root)
    (root / "forms" / "ref_accueil.schema.json").write_text(json.dumps(FORM, ensure_ascii=False))
    publish_fixture(live.world.sessions, live.world.clock, root)
    item_id = live.world.open_item(live.world.start(last_name="Petit"))
    sign_in(page, live, "accueil")
    page.goto(f"{live.url}/taches/{item_id}")
    page.fill("#f-date_accueil", "2031-01-15")  # a future accueil
    page.check("input[name=duree][value='6']")
    page.check("input[name=urgent][value=false]")
    # ... and no orientation chosen.
    page.click("text=Valider la tâche")

    summary = page.locator("#form-errors")
    expect(summary).to_be_visible()
    expect(summary.locator("li")).to_have_count(2)
    expect(summary).to_contain_text("Date de l'accueil : La date doit être au plus tard le 05/01/2026.")
    expect(summary).to_contain_text("Orientation : Champ obligatoire.")
    for field in ("date_accueil", "orientation"):
        marked = page.locator(f"#f-{field}")
        expect(marked).to_have_attribute("aria-invalid", "true")
        expect(marked).to_have_attribute("aria-describedby", re.compile(rf"\bf-{field}-error\b"))
        message = page.locator(f"#f-{field}-error")
        expect(message).to_be_visible()
        expect(message).to_contain_text("Erreur :")
        assert message.evaluate("e => getComputedStyle(e).color") == RED
    expect(page.locator(".field.has-error")).to_have_count(2)
    # Everything typed or chosen is still there.
    expect(page.locator("#f-date_accueil")).to_have_value("2031-01-15")
    expect(page.locator("input[name=duree][value='6']")).to_be_checked()
    expect(page.locator("input[name=urgent][value=false]")).to_be_checked()
    # The summary's link leads to the field; once corrected, the task goes through.
    summary.locator("a", has_text="Orientation").click()
    expect(page).to_have_url(re.compile(r"#f-orientation-first$"))
    page.check("input[name=orientation][value=interne]")
    page.fill("#f-date_accueil", "2026-01-05")
    page.click("text=Valider la tâche")
    expect(page).to_have_url(re.compile(r"/taches\?fait="))
