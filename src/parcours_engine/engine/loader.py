"""Load and check a model library: BPMN files + forms in, parsed programmes or located problems out.

A library is a set of BPMN files by relative path and form files by name. Every executable process of
a top-level file is a programme; files under `blocs/` hold building blocks that programmes call. Each
file is parsed once (hardened, see `xml.py`), checked against the XSD and the host's conventions
(`checks.py`), then handed as a tree to SpiffWorkflow, whose structural errors are located
(`spiff_errors.py`). This module is the public face: the pass itself is `library_analysis.Analysis`,
the parsed programme `programme_model.ProcessModel` (re-exported here).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from parcours_engine.domain.errors import ModelError, ModelProblem
from parcours_engine.engine.library_analysis import LIBRARY, Analysis
from parcours_engine.engine.programme_model import ElementMeta, ProcessModel

__all__ = [
    "LIBRARY",
    "ElementMeta",
    "Library",
    "ProcessModel",
    "check_library",
    "load_library",
    "load_programme",
    "read_library_dir",
]


@dataclass
class Library:
    programmes: dict[str, ProcessModel]
    warnings: list[ModelProblem]


def read_library_dir(processes_dir: Path, forms_dir: Path) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The BPMN files (by path relative to `processes_dir`) and form files (by name) of a directory."""
    bpmn = {
        path.relative_to(processes_dir).as_posix(): path.read_bytes()
        for path in sorted(processes_dir.rglob("*.bpmn"))
        if path.is_file()
    }
    forms = {path.name: path.read_bytes() for path in sorted(forms_dir.glob("*.json")) if path.is_file()}
    return bpmn, forms


def check_library(
    bpmn_files: Mapping[str, bytes],
    form_files: Mapping[str, bytes],
    files: Iterable[str] | None = None,
) -> list[ModelProblem]:
    """Every error and warning of a library, sorted by file and line; never raises.

    With `files` (paths of `bpmn_files`), only those files are checked, with the blocks they call and
    the forms they name: the other files of the library are there only to resolve calls.
    """
    analysis = Analysis(bpmn_files, form_files, full=True)
    return analysis.check(files=None if files is None else frozenset(files))


def load_library(bpmn_files: Mapping[str, bytes], form_files: Mapping[str, bytes]) -> Library:
    """Every programme of a library, parsed; raises ModelError listing every error if there is one."""
    analysis = Analysis(bpmn_files, form_files, full=True)
    problems = analysis.check()
    _raise_errors(problems)
    programmes = analysis.models(analysis.programmes)
    return Library(programmes, [p for p in problems if p.severity != "error"])


def load_programme(
    bpmn_files: Mapping[str, bytes], form_files: Mapping[str, bytes], process_id: str
) -> ProcessModel:
    """Re-parse one programme of a stored (already checked) version: no XSD, diagram or script checks."""
    analysis = Analysis(bpmn_files, form_files, full=False)
    problems = analysis.check(only=process_id)
    if process_id not in analysis.programmes and not _errors(problems):
        problems.append(ModelProblem.coded(LIBRARY, None, process_id, "check.no_programme"))
    _raise_errors(problems)
    return analysis.models([process_id])[process_id]


def _errors(problems: Iterable[ModelProblem]) -> list[ModelProblem]:
    return [p for p in problems if p.severity == "error"]


def _raise_errors(problems: list[ModelProblem]) -> None:
    errors = _errors(problems)
    if errors:
        raise ModelError(errors)
