"""The shipped library (processes/ + forms/) checks clean: it is what coordinators start from."""

from __future__ import annotations

from parcours_engine.engine.loader import check_library, load_library, read_library_dir
from tests.conftest import REPO

PROGRAMMES = {
    "civis",
    "csj",
    "iej_allier",
    "paje",
    "passeport_emploi",
    "ppae",
    "rapid",
    "rsa_accompagnement",
    "sas_prevention_rsa",
}


def test_processes_check_reports_no_error_and_no_warning():
    bpmn, forms = read_library_dir(REPO / "processes", REPO / "forms")
    assert [str(p) for p in check_library(bpmn, forms)] == []


def test_every_programme_loads_with_its_blocks_and_forms():
    bpmn, forms = read_library_dir(REPO / "processes", REPO / "forms")
    library = load_library(bpmn, forms)
    assert set(library.programmes) == PROGRAMMES
    for model in library.programmes.values():
        assert model.idle_threshold_days > 0
        assert any(path.startswith("blocs/") for path in model.files), model.process_id
        user_tasks = [m for m in model.elements.values() if m.kind == "userTask"]
        assert user_tasks and all(m.form in model.forms for m in user_tasks), model.process_id
