"""`processes diff` as a user runs it: what changed between two published versions."""

from __future__ import annotations

import shutil

from tests.functional.test_cli import _run
from tests.support.library import FIXTURE_LIBRARY


def test_diff_lists_added_removed_and_changed_elements_and_forms(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    _run("db", "upgrade", url=url)
    _run("processes", "publish", str(FIXTURE_LIBRARY / "processes"), url=url)
    library = tmp_path / "lib"
    shutil.copytree(FIXTURE_LIBRARY, library)
    main = library / "processes" / "reference.bpmn"
    main.write_text(main.read_text().replace("ratio = 10 / diviseur", "ratio = 20 / diviseur"))
    block = library / "processes" / "blocs" / "formation.bpmn"
    block.write_text(block.read_text().replace('name="Suivre la formation"', 'name="Suivre le stage"'))
    form = library / "forms" / "ref_sortie.schema.json"
    form.write_text(form.read_text().replace('"title": "Sortie"', '"title": "Sortie du parcours"'))
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
