"""`processes diff` as a user runs it: what changed between two published versions, the very changes
the studio's versions page lists."""

from __future__ import annotations

import shutil
from pathlib import Path

from lxml import html

from tests.functional.conftest import World
from tests.functional.test_cli import _run
from tests.support.library import FIXTURE_LIBRARY, publish_fixture

# The versions page's lists, by what they hold and the CLI's mark for it.
PAGE_LISTS = {
    "diff-added": ("element", "+"),
    "diff-removed": ("element", "-"),
    "diff-changed": ("element", "~"),
    "diff-forms-added": ("form", "+"),
    "diff-forms-removed": ("form", "-"),
    "diff-forms-changed": ("form", "~"),
}


def changed_library(tmp_path: Path) -> Path:
    """The fixture library with a changed script, a renamed task in a block and a changed form."""
    library = tmp_path / "lib"
    shutil.copytree(FIXTURE_LIBRARY, library)
    main = library / "processes" / "reference.bpmn"
    main.write_text(main.read_text().replace("ratio = 10 / diviseur", "ratio = 20 / diviseur"))
    block = library / "processes" / "blocs" / "formation.bpmn"
    block.write_text(block.read_text().replace('name="Suivre la formation"', 'name="Suivre le stage"'))
    form = library / "forms" / "ref_sortie.schema.json"
    form.write_text(form.read_text().replace('"title": "Sortie"', '"title": "Sortie du parcours"'))
    return library


def cli_changes(output: str) -> set[tuple[str, str, str]]:
    """(element or form, mark, what) for each change line of `processes diff`."""
    found = set()
    for line in output.splitlines():
        mark, _, rest = line.partition(" ")
        if mark in {"+", "-", "~"}:
            words = rest.split()
            found.add(("form", mark, words[1]) if words[0] == "form" else ("element", mark, words[0]))
    return found


def page_changes(section: html.HtmlElement) -> set[tuple[str, str, str]]:
    """The same, from the versions page: the identifier each list item shows."""
    found = set()
    for list_id, (kind, mark) in PAGE_LISTS.items():
        for item in section.xpath(f'.//*[@id="{list_id}"]//li[not(contains(@class, "empty"))]'):
            found.add((kind, mark, (item.get("data-element") or item.findtext("code")).strip()))
    return found


def test_diff_lists_added_removed_and_changed_elements_and_forms(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    _run("db", "upgrade", url=url)
    _run("processes", "publish", str(FIXTURE_LIBRARY / "processes"), url=url)
    library = changed_library(tmp_path)
    assert _run("processes", "publish", str(library / "processes"), url=url).exit_code == 0

    result = _run("processes", "diff", "reference", "1", url=url)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "~ Script_calcul Calculer l'échéance (script)" in lines
    assert "~ bloc_formation/Task_suivre_formation Suivre le stage (bpmn_name)" in lines
    assert "~ form ref_sortie.schema.json" in lines
    assert "reference v1 → v2: 2 elements changed" in lines


def test_diff_names_the_versions_that_exist(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    _run("db", "upgrade", url=url)
    _run("processes", "publish", str(FIXTURE_LIBRARY / "processes"), url=url)
    result = _run("processes", "diff", "reference", "3", url=url)
    assert result.exit_code == 1 and "has versions [1]" in result.output
    unknown = _run("processes", "diff", "nulle_part", "1", url=url)
    assert unknown.exit_code == 1 and "no published version" in unknown.output


def test_the_command_and_the_versions_page_list_the_same_changes(
    world: World, database_url: str, tmp_path: Path
):
    publish_fixture(world.sessions, world.clock, changed_library(tmp_path))
    result = _run("processes", "diff", "reference", "1", url=database_url)
    assert result.exit_code == 0, result.output
    expected = cli_changes(result.output)
    assert len(expected) == 3  # the script, the block's task, the form

    page = world.client("coordination").get("/studio/reference/versions").get_data(as_text=True)
    section = html.fromstring(page).get_element_by_id("diff")
    shown = " ".join(section.text_content().split())
    for kind, _mark, what in sorted(expected):
        # a changed form is named by its file; an element by its name, its id never shown as text
        assert (what in shown) == (kind == "form")
    assert page_changes(section) == expected
