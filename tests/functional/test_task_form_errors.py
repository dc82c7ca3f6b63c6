"""Task forms that do not punish a mistake (issue 15, point 3): every error of a submission is shown
at once and marked at its field, every value comes back, and impossible dates are refused by the
form's own date rules (`x-not-future`, `x-not-before`)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from parcours_engine.persistence.models import WorkItem
from tests.support.library import FIXTURE_LIBRARY, publish_fixture

# The accueil form of the fixture programme, with a closed list of numbers, a yes/no, an integer and
# the date rules; the clock of the tests says 05/01/2026.
FORM = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Accueil",
    "type": "object",
    "properties": {
        "date_accueil": {"type": "string", "format": "date", "x-not-future": True, "title": "Date de l'accueil"},
        "orientation": {"title": "Orientation", "type": "string", "oneOf": [{"const": "interne", "title": "Service interne"}, {"const": "partenaire", "title": "Partenaire"}]},
        "duree": {"title": "Durée", "type": "integer", "oneOf": [{"const": 3, "title": "3 mois"}, {"const": 6, "title": "6 mois"}]},
        "urgent": {"title": "Urgent", "type": "boolean"},
        "rendez_vous": {"title": "Rendez-vous", "type": "integer", "minimum": 0, "maximum": 9},
        "debut": {"type": "string", "format": "date", "title": "Début"},
        "fin": {"type": "string", "format": "date", "x-not-before": "debut", "title": "Fin"},
    },
    "required": ["date_accueil", "orientation", "duree", "urgent"],
    "additionalProperties": False,
}  # fmt: skip
GOOD = {"date_accueil": "2026-01-05", "orientation": "interne", "duree": "6", "urgent": "false"}


@pytest.fixture
def item_id(world, tmp_path: Path) -> int:
    """An open accueil task of a pathway started on the version whose form is FORM."""
    root = tmp_path / "library"
    shutil.copytree(FIXTURE_LIBRARY, root)
    (root / "forms" / "ref_accueil.schema.json").write_text(json.dumps(FORM, ensure_ascii=False))
    publish_fixture(world.sessions, world.clock, root)
    return world.open_item(world.start())


def _page(response) -> str:
    return response.get_data(as_text=True).replace("&#39;", "'")


def test_every_error_is_shown_at_once_marked_at_its_field_and_in_a_summary(world, item_id):
    client = world.client("accueil")
    posted = {"date_accueil": "2031-01-15", "duree": "6", "urgent": "false", "rendez_vous": "deux",
              "debut": "2025-12-10", "fin": "2025-12-01"}  # fmt: skip
    response = client.post(f"/taches/{item_id}", posted)
    assert response.status_code == 400
    page = _page(response)
    # One submission, every kind of error: required, type, the date rules.
    expected = {
        "orientation": "Champ obligatoire.",
        "rendez_vous": "Saisissez un nombre entier.",
        "date_accueil": "La date doit être au plus tard le 05/01/2026.",
        "fin": "La fin de la période précède son début.",
    }
    for name, message in expected.items():
        assert re.search(rf'id="f-{name}-error">.*?Erreur :</span> {re.escape(message)}', page), name
        # the field says it is invalid and points to its message
        assert re.search(rf'id="f-{name}"[^>]*aria-invalid="true"', page), name
        assert f'aria-describedby="f-{name}-error' in page
    summary = page[page.index('class="error-summary"') : page.index("</ul>")]
    for href in ("#f-orientation-first", "#f-rendez_vous", "#f-date_accueil", "#f-fin"):
        assert f'href="{href}"' in summary
    assert page.count('class="field has-error"') == 4
    # Every value comes back: the number chosen in the closed list, the "no", the dates, the text.
    assert re.search(r'name="duree" value="6" checked', page)
    assert re.search(r'name="urgent" value="false" checked', page)
    for name, value in posted.items():
        if name not in ("duree", "urgent"):
            assert re.search(rf'name="{name}" type="\w+" value="{value}"', page), name
    with world.sessions() as session:
        assert session.get(WorkItem, item_id).status == "open"


def test_a_corrected_form_goes_through_on_the_next_submission(world, item_id):
    client = world.client("accueil")
    first = client.post(f"/taches/{item_id}", {**GOOD, "orientation": ""})
    assert first.status_code == 400
    assert 'name="duree" value="6" checked' in _page(first)  # kept: nothing to choose again
    done = client.post(f"/taches/{item_id}", GOOD)
    assert done.status_code == 303


def test_a_diagnostic_in_2031_is_refused_by_the_api_too(world, item_id):
    api = world.api("accueil")
    data = {"date_accueil": "2031-01-15", "orientation": "interne", "duree": 6, "urgent": False}
    refused = api.post(f"/work-items/{item_id}/complete", {"data": data})
    assert refused.status_code == 400
    assert list(refused.get_json()["field_errors"]) == ["date_accueil"]
    today = {**data, "date_accueil": "2026-01-05", "debut": "2026-01-02", "fin": "2026-01-02"}
    assert api.post(f"/work-items/{item_id}/complete", {"data": today}).status_code == 200
