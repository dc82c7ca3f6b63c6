"""Issue 14, PDF injection: names and company names reach ReportLab as text, never as its markup.

An unclosed `<b>` used to fail the whole PDF (a 500 on the staff's and on the person's own PDF), and
an `<img src=...>` tag embedded a file of the server in it. Both are printed as typed now.
"""

from __future__ import annotations

import base64
import re
import tempfile
import zlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from parcours_engine.accounts import accounts
from parcours_engine.passport import passport, portal
from parcours_engine.persistence.models import Beneficiary
from parcours_engine.persistence.uow import unit_of_work
from tests.functional.conftest import World

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


pytestmark = pytest.mark.usefixtures("cheap_code_hashing")  # tests.functional.conftest


@pytest.fixture
def server_image() -> Iterator[Path]:
    """A real image file on the server, the kind an `<img>` tag would have pulled into the PDF (short
    path: a company name holds 120 characters)."""
    from PIL import Image

    with tempfile.NamedTemporaryFile(dir="/tmp", suffix=".png") as handle:
        Image.new("RGB", (8, 8), (200, 0, 0)).save(handle.name)
        yield Path(handle.name)


def _hostile_person(world: World, image: Path, **names: str) -> tuple[int, str, str]:
    """A person whose company (and `names` when given) carry ReportLab markup; their identifier and
    portal code."""
    world.start(**names)
    with unit_of_work(world.sessions) as session:
        person = session.scalar(select(Beneficiary).order_by(Beneficiary.id.desc()))
        assert person is not None
        referent = accounts.by_username(session, "conseiller")
        passport.open_passport(session, world.clock, referent, person.id, "/t")
        company = f'<img src="{image}" width="9" height="9"/>'
        period = passport.ExperienceInput(company, "D", "pmsmp", date(2026, 1, 2), date(2026, 1, 4))
        passport.add_experience(session, world.clock, referent, person.id, period, "/t")
        code = portal.issue_code(session, world.clock, referent, person.id, "/t")
        return person.id, person.identifier, code


def _assert_clean_pdf(response) -> None:
    assert response.status_code == 200, response.status_code
    assert response.data.startswith(b"%PDF-")
    assert b"/Subtype /Image" not in response.data, "a file of the server was embedded in the PDF"


HOSTILE_NAMES = {"first_name": "<b>unclosed", "last_name": '<img src="/etc/passwd"/>'}


def test_markup_in_names_and_companies_is_no_500(world: World, server_image: Path) -> None:
    person_id, identifier, code = _hostile_person(world, server_image, **HOSTILE_NAMES)
    staff = world.client("conseiller")
    _assert_clean_pdf(staff.get(f"/personnes/{person_id}/passeport.pdf"))

    person = world.app.test_client()
    page = person.get("/mon-passeport/connexion").get_data(as_text=True)
    token = CSRF.search(page)
    assert token is not None
    body = {"identifier": identifier, "code": code, "csrf_token": token.group(1)}
    assert person.post("/mon-passeport/connexion", data=body).status_code == 303
    _assert_clean_pdf(person.get("/mon-passeport/passeport.pdf"))


def test_an_image_tag_in_a_company_name_embeds_no_file_of_the_server(
    world: World, server_image: Path
) -> None:
    person_id, _identifier, _code = _hostile_person(world, server_image)
    _assert_clean_pdf(world.client("conseiller").get(f"/personnes/{person_id}/passeport.pdf"))


def test_the_markup_is_printed_as_typed(world: World, server_image: Path) -> None:
    from parcours_engine.passport import pdf

    person_id, _identifier, _code = _hostile_person(world, server_image, **HOSTILE_NAMES)
    with world.sessions() as session:
        view = passport.view(session, person_id)
    text = _shown_text(pdf.render(view, world.clock.now()))
    assert '<b>unclosed <img src="/etc/passwd"/>' in text


def _shown_text(document: bytes) -> str:
    """The strings a PDF of ReportLab's shows (its pages' `(...) Tj`), joined: enough to read a line."""
    shown = []
    streams = rb"/Filter \[ /ASCII85Decode /FlateDecode \][^>]*>>\s*stream\r?\n(.*?)endstream"
    for found in re.finditer(streams, document, re.S):
        encoded = found.group(1).strip().removesuffix(b"~>")
        content = zlib.decompress(base64.a85decode(encoded)).decode("latin-1")
        shown += re.findall(r"\((.*?)\) Tj", content)
    return "".join(shown)
