"""`processes check PATH...` checks exactly what it is given: a file is not refused for a neighbour's fault."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from parcours_engine.cli import main
from tests.support.library import FIXTURE_LIBRARY


def _check(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["processes", "check", *args], catch_exceptions=False)
    return result.exit_code, result.output


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """The fixture library plus a broken neighbour programme in the same folder."""
    root = tmp_path / "lib"
    shutil.copytree(FIXTURE_LIBRARY, root)
    good = (root / "processes" / "reference.bpmn").read_text()
    broken = good.replace('process id="reference"', 'process id="voisin"').replace(
        "ratio = 10 / diviseur", "import os"
    )
    # Element ids only need to be unique within a programme and its blocks.
    (root / "processes" / "voisin.bpmn").write_text(broken)
    return root


def test_a_file_is_checked_alone_with_the_blocks_it_calls(library: Path) -> None:
    status, output = _check(str(library / "processes" / "reference.bpmn"))
    assert status == 0, output
    assert "voisin" not in output
    assert "1 files, 0 errors" in output


def test_the_broken_file_named_is_refused_with_its_own_error(library: Path) -> None:
    status, output = _check(str(library / "processes" / "voisin.bpmn"))
    assert status == 1
    lines = [line for line in output.splitlines() if line.startswith("voisin.bpmn:")]
    assert len(lines) == 1 and ": Script_calcul: script: import is not allowed" in lines[0]
    assert "reference.bpmn" not in output


def test_a_folder_checks_every_file_in_it(library: Path) -> None:
    status, output = _check(str(library / "processes"))
    assert status == 1
    assert "voisin.bpmn:" in output and "3 files, 1 errors" in output


def test_blocks_resolve_from_a_folder_given_with_blocks(library: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "blocks"
    shutil.move(library / "processes" / "blocs", elsewhere)
    status, output = _check(str(library / "processes" / "reference.bpmn"))
    assert status == 1 and "'bloc_formation' is not in the library" in output
    status, output = _check("--blocks", str(elsewhere), str(library / "processes" / "reference.bpmn"))
    assert status == 0, output


def test_a_broken_block_a_named_file_calls_is_reported(library: Path) -> None:
    block = library / "processes" / "blocs" / "formation.bpmn"
    block.write_text(block.read_text().replace('isExecutable="true"', 'isExecutable="maybe"', 1))
    status, output = _check(str(library / "processes" / "reference.bpmn"))
    assert status == 1 and "blocs/formation.bpmn:" in output
