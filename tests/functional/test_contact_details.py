"""A person's contact details and reminder channels (issue 17, step 1): validated and bounded, shown
and changed only by those who follow the person (and reception), every access logged, consents
recorded with their date and withdrawable, removed when the file is anonymised."""

from __future__ import annotations

from sqlalchemy import select

from parcours_engine.pathways import retention
from parcours_engine.persistence.models import AccessLog
from parcours_engine.persistence.models.appointments import ContactConsent, ContactDetails
from parcours_engine.persistence.uow import unit_of_work
from tests.functional.conftest import World
from tests.functional.test_permissions import person_of

GOOD = {
    "phone": "06 12 34 56 78",
    "email": "lea.martin@example.org",
    "address_line": "3 rue des Lilas",
    "postal_code": "03100",
    "city": "Montluçon",
}


def _person(world: World) -> int:
    return person_of(world, world.start())


def _details(world: World, person_id: int) -> ContactDetails | None:
    with world.sessions() as session:
        return session.scalar(select(ContactDetails).where(ContactDetails.beneficiary_id == person_id))


def test_the_referent_records_contact_details_in_e164_and_reads_them_back_nationally(world: World) -> None:
    person_id = _person(world)
    client = world.client("conseiller")
    assert 'id="contact-link"' in client.get(f"/personnes/{person_id}").get_data(as_text=True)
    saved = client.post(f"/personnes/{person_id}/coordonnees", GOOD)
    assert saved.status_code == 303
    found = _details(world, person_id)
    assert found is not None
    assert (found.phone, found.email, found.city) == ("+33612345678", GOOD["email"], "Montluçon")
    page = client.get(f"/personnes/{person_id}/coordonnees").get_data(as_text=True)
    assert 'value="06 12 34 56 78"' in page
    abroad = client.post(f"/personnes/{person_id}/coordonnees", {**GOOD, "phone": "+44 20 7946 0958"})
    assert abroad.status_code == 303
    assert _details(world, person_id).phone == "+442079460958"  # type: ignore[union-attr]


def test_invalid_or_overlong_fields_are_refused_each_with_its_message_and_nothing_saved(
    world: World,
) -> None:
    person_id = _person(world)
    client = world.client("conseiller")
    refused = client.post(
        f"/personnes/{person_id}/coordonnees",
        {**GOOD, "phone": "06 12", "email": "lea@", "city": "x" * 81, "postal_code": "<b>"},
    )
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Numéro de téléphone non valide" in page and "Adresse e-mail non valide" in page
    assert 'id="err-city"' in page and 'id="err-postal_code"' in page
    assert 'value="06 12"' in page  # what was typed is kept
    nul = client.post(f"/personnes/{person_id}/coordonnees", {**GOOD, "address_line": "rue\x00"})
    assert nul.status_code == 400
    assert _details(world, person_id) is None


def test_only_those_who_follow_the_person_and_reception_see_or_change_the_details(world: World) -> None:
    person_id = _person(world)
    assert world.client("conseiller").post(f"/personnes/{person_id}/coordonnees", GOOD).status_code == 303
    for username in ("conseiller", "accueil", "administrateur"):
        page = world.client(username).get(f"/personnes/{person_id}/coordonnees")
        assert page.status_code == 200, username
        assert "lea.martin@example.org" in page.get_data(as_text=True)
    for username in ("collegue", "superviseur", "ailleurs", "coordination", "superviseur_sud"):
        client = world.client(username)
        assert client.get(f"/personnes/{person_id}/coordonnees").status_code in (403, 404), username
        changed = client.post(f"/personnes/{person_id}/coordonnees", {**GOOD, "city": "Vichy"})
        assert changed.status_code in (403, 404), username
    supervisor_page = world.client("superviseur").get(f"/personnes/{person_id}").get_data(as_text=True)
    assert 'id="contact-link"' not in supervisor_page
    assert _details(world, person_id).city == "Montluçon"  # type: ignore[union-attr]
    with world.sessions() as session:
        logged = session.scalars(
            select(AccessLog.action)
            .where(AccessLog.beneficiary_id == person_id, AccessLog.route.contains("coordonnees"))
            .order_by(AccessLog.id)
        ).all()
    assert logged[0] == "change" and "read" in logged


def test_a_channel_is_accepted_with_its_date_only_once_its_address_is_known_and_withdrawn_at_once(
    world: World,
) -> None:
    person_id = _person(world)
    client = world.client("conseiller")
    url = f"/personnes/{person_id}/coordonnees/consentements"
    without = client.post(url, {"channel": "email", "given_on": "2026-01-05"})
    assert without.status_code == 400
    assert "Enregistrez d&#39;abord l&#39;adresse e-mail" in without.get_data(as_text=True)
    client.post(f"/personnes/{person_id}/coordonnees", GOOD)
    future = client.post(url, {"channel": "email", "given_on": "2026-01-06"})
    assert future.status_code == 400
    assert client.post(url, {"channel": "pigeon", "given_on": "2026-01-05"}).status_code == 400
    assert client.post(url, {"channel": "email", "given_on": "2026-01-05"}).status_code == 303
    again = client.post(url, {"channel": "email", "given_on": "2026-01-05"})
    assert again.status_code == 409
    with world.sessions() as session:
        consent = session.scalars(
            select(ContactConsent).where(ContactConsent.beneficiary_id == person_id)
        ).one()
    assert (consent.channel, consent.given_on.isoformat(), consent.recorded_by) == (
        "email",
        "2026-01-05",
        "conseiller",
    )
    assert world.client("collegue").post(f"{url}/{consent.id}/retrait").status_code == 403
    assert client.post(f"{url}/{consent.id}/retrait").status_code == 303
    with world.sessions() as session:
        withdrawn = session.get(ContactConsent, consent.id)
        assert withdrawn is not None and withdrawn.withdrawn_at == world.clock.now()
    assert client.post(f"{url}/{consent.id}/retrait").status_code == 409
    assert 'id="no-channel"' not in client.get(f"/personnes/{person_id}/coordonnees").get_data(as_text=True)


def test_anonymising_the_file_removes_its_contact_details_and_consents(world: World) -> None:
    person_id = _person(world)
    client = world.client("conseiller")
    client.post(f"/personnes/{person_id}/coordonnees", GOOD)
    client.post(
        f"/personnes/{person_id}/coordonnees/consentements", {"channel": "sms", "given_on": "2026-01-05"}
    )
    with unit_of_work(world.sessions) as session:
        retention.anonymise(session, world.clock, person_id, retention.REQUEST, "test")
    assert _details(world, person_id) is None
    with world.sessions() as session:
        left = session.scalars(select(ContactConsent).where(ContactConsent.beneficiary_id == person_id)).all()
    assert left == []


def test_the_persons_export_holds_their_contact_details_channels_and_appointments(world: World) -> None:
    from tests.functional.test_appointments import SUIVI
    from tests.functional.test_security_pdf import _shown_text

    person_id = _person(world)
    client = world.client("conseiller")
    client.post(f"/personnes/{person_id}/coordonnees", GOOD)
    client.post(
        f"/personnes/{person_id}/coordonnees/consentements", {"channel": "email", "given_on": "2026-01-05"}
    )
    assert (
        client.post(f"/personnes/{person_id}/rendez-vous", {**SUIVI, "place": "Bureau 3"}).status_code == 303
    )
    data = client.get(f"/personnes/{person_id}/donnees.json").get_json()
    assert [row["phone"] for row in data["contact_details"]] == ["+33612345678"]
    assert [row["channel"] for row in data["contact_consents"]] == ["email"]
    assert [(row["kind"], row["starts_at"]) for row in data["appointments"]] == [
        ("suivi", "2026-01-07T13:00:00+00:00")
    ]
    text = _shown_text(client.get(f"/personnes/{person_id}/donnees.pdf").data)
    assert "Coordonn" in text and "Rendez-vous" in text and "lea.martin@example.org" in text
