"""The front-end bundles work in a real browser, through the JS API the templates use, and each page
loads only the bundles it needs: the modeler (1.7 MB) and its styles on the studio's editor alone.

Serves the built static/dist/ (`make assets`) and the reference model from a throwaway
http.server on 127.0.0.1, with two bare pages that load the bundles as the templates do. If
the bundles are missing the tests fail: run `make assets` (`make test` does).
"""

from __future__ import annotations

import functools
import http.server
import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from tests.e2e.conftest import Live, sign_in

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
DIST = REPO / "src" / "parcours_engine" / "web" / "static" / "dist"
BUNDLES = ("app.css", "diagram.css", "studio.css", "app.js", "viewer.js", "modeler.js", "charts.js")
REFERENCE = REPO / "tests" / "fixtures" / "library" / "processes" / "reference.bpmn"

VIEWER_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="csrf-token" content="jeton-de-test">
<link rel="stylesheet" href="dist/app.css"><link rel="stylesheet" href="dist/diagram.css">
<script src="dist/app.js"></script><script src="dist/viewer.js"></script><script src="dist/charts.js"></script>
</head><body><main class="container">
<div id="diagram" class="parcours-diagram"></div><canvas id="chart" width="400" height="200"></canvas>
<button id="send" hx-post="/echo" hx-swap="none">Envoyer</button>
</main></body></html>
"""

MODELER_PAGE = """<!doctype html>
<html lang="fr"><head><meta charset="utf-8">
<link rel="stylesheet" href="dist/app.css"><link rel="stylesheet" href="dist/diagram.css">
<link rel="stylesheet" href="dist/studio.css"><script src="dist/modeler.js"></script>
<style>#canvas { height: 700px; flex: 1 } #panel { width: 340px; height: 700px; overflow: auto }</style>
</head><body><div style="display: flex"><div id="canvas"></div><div id="panel"></div></div></body></html>
"""

# A task with no start event and no flows: bpmnlint's recommended rules report it.
UNLINTED = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" xmlns:dc="http://www.omg.org/spec/DD/20100524/DC"
  id="Defs_lint" targetNamespace="http://parcours-engine/tests">
  <bpmn:process id="lint" isExecutable="true"><bpmn:task id="Task_alone" name="Seule"/></bpmn:process>
  <bpmndi:BPMNDiagram id="Diagram_lint"><bpmndi:BPMNPlane id="Plane_lint" bpmnElement="lint">
    <bpmndi:BPMNShape id="Task_alone_di" bpmnElement="Task_alone"><dc:Bounds x="100" y="100" width="100" height="80"/></bpmndi:BPMNShape>
  </bpmndi:BPMNPlane></bpmndi:BPMNDiagram>
</bpmn:definitions>
"""


@pytest.fixture(scope="session")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Base URL of a static server with the built bundles, the reference model and two pages."""
    missing = [name for name in BUNDLES if not (DIST / name).is_file()]
    if missing:
        pytest.fail(f"front-end bundles missing in {DIST}: {missing}; run `make assets`", pytrace=False)
    root = tmp_path_factory.mktemp("site")
    (root / "dist").symlink_to(DIST, target_is_directory=True)
    (root / "reference.bpmn").write_bytes(REFERENCE.read_bytes())
    (root / "viewer.html").write_text(VIEWER_PAGE, encoding="utf-8")
    (root / "modeler.html").write_text(MODELER_PAGE, encoding="utf-8")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=root))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def open_page(page: Page, url: str) -> list[str]:
    """Go to `url` and return the list that collects the page's uncaught errors."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(url)
    return errors


def show_reference(page: Page, site: str, options: dict[str, Any]) -> None:
    page.evaluate(
        """async ([url, options]) => {
            const xml = await (await fetch(url)).text();
            await ParcoursViewer.show(document.getElementById('diagram'), xml, options);
        }""",
        [f"{site}/reference.bpmn", options],
    )


def create_editor(page: Page, site: str) -> None:
    page.evaluate(
        """async (url) => {
            const xml = await (await fetch(url)).text();
            window.editor = await ParcoursModeler.create(document.getElementById('canvas'), {
                propertiesPanel: document.getElementById('panel'), xml, lint: true,
            });
        }""",
        f"{site}/reference.bpmn",
    )


def test_viewer_draws_the_model_and_highlights_the_current_step(page: Page, site: str) -> None:
    errors = open_page(page, f"{site}/viewer.html")
    show_reference(
        page,
        site,
        {
            "highlight": ["Task_diagnostic"],
            "overlays": [{"element": "Task_diagnostic", "html": "depuis 3 j"}],
        },
    )

    current = page.locator('#diagram svg .djs-element[data-element-id="Task_diagnostic"]')
    assert "parcours-current" in (current.get_attribute("class") or "").split()
    assert page.locator("#diagram svg").get_by_text("Diagnostic", exact=True).count() == 1
    assert page.locator("#diagram .djs-overlay").get_by_text("depuis 3 j").is_visible()
    other = page.locator('#diagram svg .djs-element[data-element-id="Task_bilan"]')
    assert "parcours-current" not in (other.get_attribute("class") or "").split()
    assert errors == []


def test_viewer_ignores_ids_missing_from_the_model(page: Page, site: str) -> None:
    errors = open_page(page, f"{site}/viewer.html")
    show_reference(page, site, {"highlight": ["Gone"], "overlays": [{"element": "Gone", "html": "x"}]})

    assert page.locator("#diagram .parcours-current").count() == 0
    assert page.locator('#diagram svg [data-element-id="Task_accueil"]').count() == 1
    assert errors == []


def test_htmx_requests_carry_the_csrf_token_and_charts_draw(page: Page, site: str) -> None:
    errors = open_page(page, f"{site}/viewer.html")
    seen: list[Request] = []

    def echo(route: Route, request: Request) -> None:
        seen.append(request)
        route.fulfill(status=204)

    page.route("**/echo", echo)
    with page.expect_request("**/echo"):
        page.click("#send")
    assert seen[0].method == "POST"
    assert seen[0].headers.get("x-csrftoken") == "jeton-de-test"

    drawn = page.evaluate(
        """() => {
            const chart = new ParcoursCharts.Chart(document.getElementById('chart'), {
                type: 'bar', options: { animation: false },
                data: { labels: ['a', 'b'], datasets: [{ label: 'n', data: [1, 2] }] },
            });
            return chart.data.datasets[0].data.length;
        }"""
    )
    assert drawn == 2
    assert errors == []


def test_modeler_shows_and_edits_the_parcours_properties(page: Page, site: str) -> None:
    errors = open_page(page, f"{site}/modeler.html")
    create_editor(page, site)

    page.click('#canvas .djs-element[data-element-id="Task_diagnostic"]')
    page.click('.bio-properties-panel-group-header:has-text("Parcours")')
    form = page.locator("#bio-properties-panel-parcours-formJsonSchemaFilename")
    due = page.locator("#bio-properties-panel-parcours-dueInDays")
    assert form.input_value() == "ref_diagnostic.schema.json"
    assert due.input_value() == "7"
    expect(page.locator("#panel").get_by_text("Échéance (jours)")).to_be_visible()

    due.fill("-1")
    expect(page.locator("#panel").get_by_text("Un nombre entier de jours, 0 ou plus.")).to_be_visible()
    due.fill("10")
    page.wait_for_function(
        """() => editor.modeler.get('elementRegistry').get('Task_diagnostic').businessObject
            .extensionElements.values[0].properties.some((p) => p.name === 'dueInDays' && p.value === '10')"""
    )
    assert '<spiffworkflow:property name="dueInDays" value="10" />' in page.evaluate("editor.getXML()")
    assert errors == []


def test_modeler_lints_with_the_recommended_rules(page: Page, site: str) -> None:
    errors = open_page(page, f"{site}/modeler.html")
    create_editor(page, site)
    page.evaluate("(xml) => editor.importXML(xml)", UNLINTED)

    issues = page.evaluate("editor.lint()")
    rules = {issue["rule"] for issue in issues}
    assert {"start-event-required", "end-event-required"} <= rules
    assert all(issue["message"] and issue["category"] for issue in issues)
    expect(page.locator(".bjsl-button")).to_contain_text("erreur")
    assert errors == []


def test_modeler_says_the_lint_rules_messages_in_french(page: Page, site: str) -> None:
    errors = open_page(page, f"{site}/modeler.html")
    create_editor(page, site)
    page.evaluate("(xml) => editor.importXML(xml)", UNLINTED)
    page.evaluate("editor.lint()")
    messages = page.locator(".bjsl-overlay .message, .bjsl-issues .message")
    expect(messages.first).to_be_attached()
    said = messages.all_text_contents()
    assert "L'élément n'est relié à rien" in said, said
    english = re.compile(r"\b(is|missing|Element|Process|must)\b")
    assert [text for text in said if english.search(text)] == [], said
    assert errors == []


def test_modeler_highlights_errors_found_by_the_host(page: Page, site: str) -> None:
    errors = open_page(page, f"{site}/modeler.html")
    create_editor(page, site)

    unplaced = page.evaluate(
        """() => editor.highlightErrors([
            { element: 'Task_diagnostic', message: 'formulaire <introuvable>' },
            { element: 'Nulle_part', message: 'problème du modèle' },
        ])"""
    )

    assert unplaced == [{"element": "Nulle_part", "message": "problème du modèle"}]
    shape = page.locator('#canvas .djs-element[data-element-id="Task_diagnostic"]')
    assert "parcours-error" in (shape.get_attribute("class") or "").split()
    assert page.locator(".parcours-error-overlay").get_by_text("formulaire <introuvable>").is_visible()
    page.evaluate("editor.clearErrors()")
    assert page.locator(".parcours-error-overlay").count() == 0
    assert errors == []


# Pages of each role that are not the studio's editor, and what they may load at most (JS + CSS bytes,
# as built: minified). A plain page loads app.css (Pico and ours, ~90 KB: bpmn-js's styles are no longer
# in it) and app.js (~60 KB); a page with a diagram adds viewer.js and diagram.css, the dashboard
# charts.js (each ~200 KB); none loads the modeler (1.7 MB) or the properties panel's styles.
OTHER_PAGES = {
    "conseiller": [
        "/taches",
        "/file-active",
        "/parcours",
        "/personnes",
        "/notifications",
        "/parcours/{pathway}",
    ],
    "superviseur": ["/supervision/", "/supervision/blocages", "/supervision/programmes/reference/diagramme"],
    "coordination": ["/studio", "/studio/reference/versions", "/studio/reference/brouillons"],
    "administrateur": ["/admin/comptes"],
}
MAX_PLAIN_BYTES = 180_000
MAX_DRAWING_BYTES = 420_000


def _loaded(page: Page, url: str) -> dict[str, int]:
    """The scripts and stylesheets `url` loads: file name -> bytes (of the built file)."""
    page.goto(url)
    sources = page.evaluate(
        """() => Array.from(document.querySelectorAll('script[src], link[rel=stylesheet]'))
                 .map((node) => node.src || node.href)"""
    )
    names = [source.split("?", 1)[0].rsplit("/", 1)[-1] for source in sources]
    sizes = {name: (DIST / name).stat().st_size for name in names if (DIST / name).is_file()}
    studio = REPO / "src" / "parcours_engine" / "web" / "studio" / "static"
    sizes.update({name: (studio / name).stat().st_size for name in names if (studio / name).is_file()})
    return sizes


def test_only_the_studio_editor_loads_the_modeler(browser: Browser, live: Live) -> None:
    pathway = live.world.start(last_name="Bundles")
    for username, paths in OTHER_PAGES.items():
        context = browser.new_context(locale="fr-FR")
        try:
            page = context.new_page()
            sign_in(page, live, username)
            for path in paths:
                loaded = _loaded(page, live.url + path.format(pathway=pathway))
                assert "app.css" in loaded and "app.js" in loaded, path
                assert not {"modeler.js", "studio.css"} & set(loaded), f"{path} loads {sorted(loaded)}"
                drawing = {"viewer.js", "diagram.css", "charts.js"} & set(loaded)
                limit = MAX_DRAWING_BYTES if drawing else MAX_PLAIN_BYTES
                assert sum(loaded.values()) <= limit, f"{path}: {loaded}"
        finally:
            context.close()

    context = browser.new_context(locale="fr-FR")
    try:
        page = context.new_page()
        sign_in(page, live, "coordination")
        page.goto(f"{live.url}/studio/reference")
        page.click("#start-form button[type=submit]")
        loaded = _loaded(page, page.url)
        assert {"modeler.js", "studio.css", "diagram.css"} <= set(loaded)
    finally:
        context.close()
