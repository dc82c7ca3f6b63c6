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


def test_the_guide_names_every_outcome_and_lane_and_how_france_travail_and_contract_ends_are_modelled():
    """Issue 13 (the guide): every code of the closed lists a modeller must use is in the guide, France
    Travail is named as today's operator (a Partenaire lane, `pole_emploi` in the lists), and the end of
    a contract has its outcome (`fin_suivi`), not a code the indicators would not read."""
    from parcours_engine.domain.outcomes import OUTCOMES
    from parcours_engine.domain.roles import LANE_ROLES

    guide = (REPO / "processes" / "README.md").read_text(encoding="utf-8")
    assert [o.code for o in OUTCOMES if f"`{o.code}`" not in guide] == []
    assert [lane.label_fr for lane in LANE_ROLES if lane.label_fr not in guide] == []
    assert "**France Travail**" in guide and "`pole_emploi`" in guide
    assert 'no "fin de contrat" outcome' in guide and "is `fin_suivi`" in guide
