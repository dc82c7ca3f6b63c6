"""The person's rights, continued (issue 14, RGPD): the staff export as a PDF, erasure on request,
and the register of personal data generated from the code's own configuration."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from parcours_engine.persistence.models import AccessLog
from tests.functional import test_security_pdf as pdf_tests
from tests.functional.conftest import World
from tests.functional.test_security_pdf import _hostile_person, _shown_text

# The PDF tests' fixtures: a real image file on the server, and the portal's cheap code hashing.
server_image = pdf_tests.server_image
cheap_code_hashing = pdf_tests.cheap_code_hashing

MARKUP = {"first_name": "<b>x</b><img src=x>", "last_name": '<img src="/etc/passwd"/>'}


def test_the_referent_exports_everything_as_a_pdf_with_names_escaped_and_logged(
    world: World, server_image: Path
) -> None:
    person_id, identifier, _code = _hostile_person(world, server_image, **MARKUP)
    client = world.client("conseiller")
    assert 'id="export-pdf-link"' in client.get(f"/personnes/{person_id}").get_data(as_text=True)
    answer = client.get(f"/personnes/{person_id}/donnees.pdf")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/pdf"
    assert f"donnees_{identifier}.pdf" in answer.headers["Content-Disposition"]
    assert answer.headers["Cache-Control"] == "no-store"
    assert answer.data.startswith(b"%PDF-")
    assert b"/Subtype /Image" not in answer.data, "a file of the server was embedded in the PDF"
    text = _shown_text(answer.data)
    assert "<b>x</b><img src=x>" in text and '<img src="/etc/passwd"/>' in text
    assert identifier in text
    with world.sessions() as session:
        logged = session.scalars(
            select(AccessLog.action).where(
                AccessLog.beneficiary_id == person_id, AccessLog.route.contains("donnees.pdf")
            )
        ).all()
    assert logged == ["export"]
    for username in ("collegue", "accueil", "superviseur", "ailleurs"):
        other = world.client(username)
        assert other.get(f"/personnes/{person_id}/donnees.pdf").status_code in (403, 404), username
