"""One field name, one meaning: the check refuses a form that reuses a taken name (engine/field_checks.py).

On the shipped library (processes/, forms/): the names the shared forms own, the host's names and
`date_entree` (the programme's entry date, which the shared `entree_mesure` form once overwrote).
The guide lists the names the shared forms own; a test keeps that list complete.
"""

from __future__ import annotations

import json
import re

import pytest

from parcours_engine.engine.loader import check_library, read_library_dir
from tests.conftest import REPO

Files = dict[str, bytes]


@pytest.fixture(scope="module")
def library() -> tuple[Files, Files]:
    return read_library_dir(REPO / "processes", REPO / "forms")


def with_field(forms: Files, form: str, field: str, spec: dict[str, object]) -> Files:
    schema = json.loads(forms[form])
    schema["properties"][field] = {"title": "Champ ajouté", **spec}
    return {**forms, form: json.dumps(schema, ensure_ascii=False, indent=2).encode()}


def errors(bpmn: Files, forms: Files) -> list[str]:
    return [str(p) for p in check_library(bpmn, forms) if p.severity == "error"]


def test_the_shipped_library_gives_each_name_one_meaning(library):
    assert errors(*library) == []


def test_a_programme_form_reusing_a_shared_name_with_another_type_is_refused_on_that_form(library):
    bpmn, forms = library
    changed = with_field(
        forms, "civis_suite.schema.json", "duree_contrat_mois", {"type": "string", "format": "date"}
    )
    found = errors(bpmn, changed)
    assert len(found) == 1, found
    assert found[0].startswith("civis_suite.schema.json:")
    assert "#/properties/duree_contrat_mois: field 'duree_contrat_mois' is a date here" in found[0]
    assert "a whole number in the shared form emploi.schema.json" in found[0]
    assert "rename the field here (processes/README.md" in found[0]


def test_the_same_name_with_the_same_shape_is_the_same_meaning(library):
    bpmn, forms = library
    # Another closed list of the same kind (the partners of another form) stays allowed.
    same = {"type": "string", "oneOf": [{"const": "mission_locale", "title": "Mission locale"}]}
    assert errors(bpmn, with_field(forms, "civis_suite.schema.json", "partenaire", same)) == []


def test_date_entree_is_reserved_for_the_programme_entry_date(library):
    bpmn, forms = library
    found = errors(
        bpmn,
        with_field(forms, "civis_suite.schema.json", "date_entree", {"type": "string", "format": "date"}),
    )
    assert len(found) == 1, found
    assert "Ouvrir le parcours" in found[0] and "date_entree_mesure" in found[0]


TEXT = {"type": "string", "maxLength": 20, "x-avertissement": "Visible par la personne."}


def test_the_hosts_start_data_keeps_its_type(library):
    bpmn, forms = library
    found = errors(bpmn, with_field(forms, "civis_suite.schema.json", "ase", TEXT))
    assert len(found) == 1, found
    assert "field 'ase' is given by the host at start as a yes/no; here it is a text" in found[0]


def test_a_measure_entry_no_longer_overwrites_the_programme_entry_date(library):
    _bpmn, forms = library
    entry = json.loads(forms["entree_mesure.schema.json"])
    assert "date_entree" not in entry["properties"]
    assert "date_entree_mesure" in entry["properties"]


def _shared_forms(bpmn: Files) -> set[str]:
    named = {
        name: set(re.findall(rb'"formJsonSchemaFilename" value="([^"]+)"', data))
        for name, data in bpmn.items()
    }
    in_blocks = {form for name, forms in named.items() if name.startswith("blocs/") for form in forms}
    top = [forms for name, forms in named.items() if "/" not in name]
    several = {form for forms in top for form in forms if sum(form in other for other in top) > 1}
    return {form.decode() for form in in_blocks | several}


def test_the_guide_lists_every_name_the_shared_forms_own(library):
    bpmn, forms = library
    guide = (REPO / "processes" / "README.md").read_text(encoding="utf-8")
    section = guide.split("### Field names taken", 1)[1].split("\n## ", 1)[0]
    missing = [
        f"{form}: {field}"
        for form in sorted(_shared_forms(bpmn))
        for field in json.loads(forms[form])["properties"]
        if f"`{field}`" not in section
    ]
    assert missing == []
