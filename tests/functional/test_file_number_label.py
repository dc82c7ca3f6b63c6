"""Issue 15, point 2 (a translation ambiguity): a person's file number is labelled "N° de dossier"
("File number" in English) on every staff page that shows it, never "Identifiant", which is an
account's username ("Username" in English) on the sign-in and administration pages."""

from __future__ import annotations

import re

import pytest

from parcours_engine.persistence.models import Beneficiary
from tests.functional.conftest import World
from tests.functional.test_permissions import person_of


def _identifier(world: World, person_id: int) -> str:
    with world.sessions() as session:
        person = session.get(Beneficiary, person_id)
        assert person is not None
        return person.identifier


def _label_of(page: str, value: str) -> str:
    """The text of the <dt> just before the <dd> holding `value`."""
    found = re.search(r"<dt>([^<]*)</dt>\s*<dd>" + re.escape(value) + "</dd>", page)
    assert found, value
    return found.group(1)


@pytest.mark.parametrize(
    ("language", "label", "username"),
    [("fr", "N° de dossier", "Identifiant"), ("en", "File number", "Username")],
)
def test_the_pathway_and_person_pages_label_the_file_number_as_such(
    world: World, language: str, label: str, username: str
) -> None:
    pathway_id = world.start(last_name="Dossier")
    person_id = person_of(world, pathway_id)
    identifier = _identifier(world, person_id)
    client = world.client("conseiller")
    client.post("/langue", {"lang": language})
    for url in (f"/parcours/{pathway_id}", f"/personnes/{person_id}"):
        assert _label_of(client.get(url).get_data(as_text=True), identifier) == label, url
    listed = client.get("/personnes", query_string={"nom": "Dossier"}).get_data(as_text=True)
    assert identifier in listed and f'<label for="identifiant">{label}</label>' in listed
    assert f">{username}<" not in listed
    search = "Nom, prénom ou n° de dossier" if language == "fr" else "Last name, first name or file number"
    for url in ("/parcours", "/file-active"):
        assert f'<label for="q">{search}</label>' in client.get(url).get_data(as_text=True), url
    # an account's username keeps its own word on the sign-in page
    signed_out = world.client()
    signed_out.post("/langue", {"lang": language})
    assert f'<label for="username">{username}</label>' in signed_out.get("/connexion").get_data(as_text=True)
