"""The studio's editor as a coordinator sees it in Chromium (issue 15, point 7).

The canvas opens fitted to the window but never so zoomed out that a task cannot be read (a task is
measured on screen, on the largest shipped model); forms are edited field by field in a visual editor
that writes the JSON Schema, the raw JSON being an expert view kept in sync both ways; the form a task
uses is chosen in a list of the draft's forms; the page does not overflow at 1,366 px or 390 px.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from parcours_engine.persistence.models.studio import ModelDraft
from tests.e2e.conftest import Live, sign_in

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
LARGEST_MODEL = REPO / "processes" / "civis.bpmn"  # 4,210 units wide: the widest shipped model


def _open_draft(page: Page, live: Live) -> str:
    sign_in(page, live, "coordination")
    page.goto(f"{live.url}/studio/reference")
    page.click("#start-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/studio/reference/brouillons/\d+$"))
    expect(page.locator("#studio")).to_have_attribute("data-ready", "true")
    return page.url


def _box(page: Page, element_id: str) -> dict[str, float]:
    shape = page.locator(f'#canvas .djs-element[data-element-id="{element_id}"] .djs-visual > rect')
    box = shape.bounding_box()
    assert box is not None, element_id
    return box


def _overflow(page: Page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - window.innerWidth"))


@pytest.fixture
def laptop(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="fr-FR")
    try:
        yield context.new_page()
    finally:
        context.close()


def test_the_canvas_opens_fitted_to_the_window_with_readable_tasks(laptop: Page, live: Live) -> None:
    page = laptop
    _open_draft(page, live)
    canvas = page.locator("#canvas").bounding_box()
    assert canvas is not None and canvas["height"] >= 420  # the window's height less the toolbar above
    assert canvas["y"] + canvas["height"] <= 768, "the whole canvas is in the window when the page opens"

    accueil = _box(page, "Task_accueil")
    assert accueil["width"] >= 95 and accueil["height"] >= 76  # a 100x80 task at zoom 1 or more

    # The widest shipped model fitted to a 1,366 px window would draw a task 20 px wide: it opens
    # at a readable zoom from its start instead, and the person scrolls.
    page.evaluate("xml => window.studioEditor.importXML(xml)", LARGEST_MODEL.read_text(encoding="utf-8"))
    task = page.evaluate(
        """() => window.studioEditor.modeler.get('elementRegistry')
             .filter((e) => e.type === 'bpmn:UserTask').sort((a, b) => a.x - b.x)[0].id"""
    )
    box = _box(page, task)
    assert box["width"] >= 95 and box["height"] >= 76
    first = page.evaluate(
        """() => { const s = window.studioEditor.modeler.get('elementRegistry')
                     .find((e) => e.type === 'bpmn:StartEvent');
                   const vb = window.studioEditor.modeler.get('canvas').viewbox();
                   return s.x >= vb.x && s.x + s.width <= vb.x + vb.width
                     && s.y >= vb.y && s.y + s.height <= vb.y + vb.height; }"""
    )
    assert first, "the start event is in view"
    assert _overflow(page) <= 0


def test_a_form_built_field_by_field_writes_its_json_schema(laptop: Page, live: Live) -> None:
    page = laptop
    draft_url = _open_draft(page, live)

    # The draft's forms are picked in a list; one form shows at a time, as fields.
    expect(page.locator("#form-picker option")).to_have_count(4)
    page.select_option("#form-picker", "ref_accueil.schema.json")
    accueil = page.locator('.studio-form[data-name="ref_accueil.schema.json"]')
    expect(accueil).to_be_visible()
    expect(page.locator('.studio-form[data-name="ref_diagnostic.schema.json"]')).to_be_hidden()
    expect(accueil.locator(".form-field")).to_have_count(2)
    orientation = accueil.locator(".form-field").nth(1)
    expect(orientation.locator(".f-type")).to_have_value("choice")
    expect(orientation.locator(".o-label")).to_have_count(2)
    expect(accueil.locator("textarea.schema-json")).to_be_hidden()  # the JSON is the expert view

    # A new form: a closed list, required; a free text (its limit and warning filled in); a date.
    page.fill("#new-form-name", "ref_essai.schema.json")
    page.click("#add-form")
    form = page.locator('.studio-form[data-name="ref_essai.schema.json"]')
    expect(form).to_be_visible()
    expect(page.locator("#form-picker")).to_have_value("ref_essai.schema.json")
    form.locator(".fe-title").fill("Essai")
    form.locator(".fe-add-field").click()
    field = form.locator(".form-field").nth(0)
    field.locator(".f-title").fill("Situation")
    field.locator(".f-name").fill("situation")
    field.locator(".f-type").select_option("choice")
    field.locator(".o-value").nth(0).fill("emploi")
    field.locator(".o-label").nth(0).fill("En emploi")
    field.locator(".f-add-option").click()
    field.locator(".o-value").nth(1).fill("formation")
    field.locator(".o-label").nth(1).fill("En formation")
    field.locator(".f-required").check()
    form.locator(".fe-add-field").click()
    text = form.locator(".form-field").nth(1)
    text.locator(".f-title").fill("Employeur")
    text.locator(".f-name").fill("employeur")
    expect(text.locator(".f-maxlength")).to_have_value("200")  # a free text's limit and warning filled in
    expect(text.locator(".f-warning")).to_have_value(re.compile("visible par la personne"))
    text.locator(".f-maxlength").fill("500")
    expect(text.locator(".field-errors")).to_contain_text("1 à 200 caractères")
    expect(text.locator(".f-maxlength")).to_have_attribute("aria-invalid", "true")
    text.locator(".f-warning").fill("")
    expect(text.locator(".field-errors")).to_contain_text("affiche un avertissement")
    text.locator(".f-warning").fill("Nom de l'employeur uniquement.")
    text.locator(".f-maxlength").fill("120")
    expect(text.locator(".field-errors")).to_be_hidden()
    expect(text.locator(".f-maxlength")).not_to_have_attribute("aria-invalid", "true")
    form.locator(".fe-add-field").click()
    date = form.locator(".form-field").nth(2)
    date.locator(".f-name").fill("date_fin")
    date.locator(".f-type").select_option("date")
    date.locator(".f-not-future").check()

    form.locator(".expert-view").check()
    schema = json.loads(form.locator("textarea.schema-json").input_value())
    assert schema["title"] == "Essai" and schema["required"] == ["situation"]
    assert schema["properties"]["situation"] == {
        "title": "Situation",
        "type": "string",
        "oneOf": [{"const": "emploi", "title": "En emploi"}, {"const": "formation", "title": "En formation"}],
    }
    employeur = schema["properties"]["employeur"]
    assert employeur["type"] == "string" and employeur["maxLength"] == 120
    assert employeur["x-avertissement"] == "Nom de l'employeur uniquement."
    assert schema["properties"]["date_fin"] == {"type": "string", "format": "date", "x-not-future": True}
    expect(form.locator(".form-preview select option")).to_have_text(["En emploi", "En formation"])

    # The expert view writes back into the fields.
    schema["properties"]["situation"]["title"] = "Situation à la sortie"
    form.locator("textarea.schema-json").fill(json.dumps(schema))
    expect(form.locator(".form-field").nth(0).locator(".f-title")).to_have_value("Situation à la sortie")

    # The task's form is chosen in a list of the draft's forms, the new one among them.
    page.click('#canvas .djs-element[data-element-id="Task_diagnostic"]')
    page.click('.bio-properties-panel-group-header:has-text("Parcours")')
    chooser = page.locator("#bio-properties-panel-parcours-formJsonSchemaFilename")
    expect(chooser.locator("option")).to_contain_text(["ref_essai.schema.json"])
    chooser.select_option("ref_essai.schema.json")

    page.click("#save")
    expect(page.locator("#status")).to_contain_text("Brouillon enregistré")
    with live.world.sessions() as session:
        draft = session.get(ModelDraft, int(draft_url.rsplit("/", 1)[1]))
        assert draft is not None
        stored = json.loads(draft.forms_json)
        files = json.loads(draft.files_json)
    saved = json.loads(next(text for name, text in stored.items() if name.endswith("ref_essai.schema.json")))
    assert saved["properties"]["situation"]["title"] == "Situation à la sortie"
    assert any('value="ref_essai.schema.json"' in xml for xml in files.values())
    assert _overflow(page) <= 0


def test_the_editor_does_not_overflow_a_phone(browser: Browser, live: Live) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="fr-FR")
    try:
        page = context.new_page()
        _open_draft(page, live)
        assert _overflow(page) <= 0
        canvas = page.locator("#canvas").bounding_box()
        assert canvas is not None and canvas["height"] >= 400  # not squeezed by the column layout
    finally:
        context.close()


SHIPPED_FORMS = sorted((REPO / "forms").glob("*.schema.json"))


def test_the_visual_editor_keeps_every_shipped_form_as_it_is(laptop: Page, live: Live) -> None:
    """Each shipped form pasted in the expert view, then touched in the visual editor (its title typed
    again), comes back as the same JSON Schema: the editor loses and adds nothing."""
    page = laptop
    _open_draft(page, live)
    page.fill("#new-form-name", "ref_collee.schema.json")
    page.click("#add-form")
    form = page.locator('.studio-form[data-name="ref_collee.schema.json"]')
    form.locator(".expert-view").check()
    changed = {}
    for path in SHIPPED_FORMS:
        shipped = json.loads(path.read_text(encoding="utf-8"))
        form.locator("textarea.schema-json").fill(json.dumps(shipped))
        title = form.locator(".fe-title")
        expect(title).to_have_value(shipped.get("title", ""))
        title.fill(shipped.get("title", "") + " ")
        title.fill(shipped.get("title", ""))
        text = form.locator("textarea.schema-json").input_value()
        assert "\n" in text, path.name  # written again by the editor (indented), not the pasted line
        written = json.loads(text)
        if written != shipped:
            changed[path.name] = [
                key
                for key in sorted(set(written.get("properties", {})) | set(shipped.get("properties", {})))
                if written.get("properties", {}).get(key) != shipped.get("properties", {}).get(key)
            ] or sorted(k for k in set(written) | set(shipped) if written.get(k) != shipped.get(k))
    assert changed == {}
