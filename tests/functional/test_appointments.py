"""Appointments (issue 17, steps 2 and 3): booked from the person's page in Paris time, shown in the
counsellor's week and day with the free slots, moved, cancelled with a reason, attendance recorded;
overlaps of one counsellor refused (a collective workshop's people apart), even when two bookings race
on PostgreSQL; every access logged; only those who follow the person (and reception) book."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, time
from typing import Any

import pytest
from sqlalchemy import select, text

from parcours_engine.accounts import accounts
from parcours_engine.appointments import appointments
from parcours_engine.domain.errors import ConflictError
from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.persistence.models import AccessLog, Base
from parcours_engine.persistence.models.appointments import Appointment
from parcours_engine.persistence.uow import unit_of_work
from tests.functional.conftest import World, build_world
from tests.functional.test_permissions import person_of
from tests.functional.test_security_pdf import _shown_text

SUIVI = {"kind": "suivi", "day": "2026-01-07", "at": "14:00", "duration_minutes": "60", "mode": "lieu"}


def _person(world: World, **fields: Any) -> int:
    return person_of(world, world.start(**fields))


def _book(client: Any, person_id: int, **changes: str) -> Any:
    return client.post(f"/personnes/{person_id}/rendez-vous", {**SUIVI, "place": "Bureau 3", **changes})


def _appointments(world: World, person_id: int) -> list[Appointment]:
    with world.sessions() as session:
        query = select(Appointment).where(Appointment.beneficiary_id == person_id).order_by(Appointment.id)
        return list(session.scalars(query))


def test_a_booking_from_the_person_page_is_in_paris_time_and_in_the_counsellors_week(world: World) -> None:
    person_id = _person(world, last_name="Rdv")
    client = world.client("conseiller")
    page = client.get(f"/personnes/{person_id}").get_data(as_text=True)
    assert 'id="appointments-link"' in page
    assert 'id="book-form"' in client.get(f"/personnes/{person_id}/rendez-vous").get_data(as_text=True)
    booked = _book(client, person_id)
    assert booked.status_code == 303
    (found,) = _appointments(world, person_id)
    assert found.starts_at == datetime(2026, 1, 7, 13, 0, tzinfo=UTC)  # 14:00 in Paris, winter time
    assert (found.counsellor_id, found.status, found.revision) == (world.ids["conseiller"], "planned", 1)
    detail = client.get(booked.headers["Location"]).get_data(as_text=True)
    assert "07/01/2026 14:00" in detail and "Bureau 3" in detail
    summer = _book(client, person_id, day="2026-07-01", at="10:00")
    assert summer.status_code == 303
    assert _appointments(world, person_id)[-1].starts_at == datetime(2026, 7, 1, 8, 0, tzinfo=UTC)
    week = client.get("/agenda?date=2026-01-07").get_data(as_text=True)
    assert "RDV" in week and "14:00–15:00" in week
    assert "09:00–14:00" in week and "15:00–17:00" in week  # the free slots of that Wednesday
    day = client.get("/agenda/jour?date=2026-01-07").get_data(as_text=True)
    assert "RDV" in day and "Agenda du mercredi 07/01/2026" in day
    with world.sessions() as session:
        logged = session.execute(
            select(AccessLog.action, AccessLog.shown).where(AccessLog.route.contains("/agenda"))
        ).all()
    assert ("list", 1) in logged


def test_an_overlap_of_the_counsellor_is_refused_with_the_appointment_it_meets(world: World) -> None:
    first, second = _person(world), _person(world, last_name="Autre")
    client = world.client("conseiller")
    assert _book(client, first).status_code == 303
    refused = _book(client, second, at="14:30")
    assert refused.status_code == 409
    text = refused.get_data(as_text=True)
    assert "Conseiller a déjà un rendez-vous de 07/01/2026 14:00 à 15:00" in text
    assert 'value="14:30"' in text  # what was typed is kept
    assert _appointments(world, second) == []
    assert _book(client, second, at="15:00").status_code == 303  # right after: no overlap
    assert _book(client, second, at="13:00", duration_minutes="60").status_code == 303  # right before


def test_the_people_of_one_collective_workshop_share_its_slot(world: World) -> None:
    people = [_person(world, last_name=f"Atelier{i}") for i in range(3)]
    client = world.client("conseiller")
    for person_id in people:
        assert _book(client, person_id, kind="atelier_collectif").status_code == 303
    assert _book(client, people[0], kind="suivi", at="14:15").status_code == 409
    assert _book(client, people[0], kind="atelier_collectif", duration_minutes="90").status_code == 409


def test_each_wrong_field_is_refused_and_nothing_booked(world: World) -> None:
    person_id = _person(world)
    client = world.client("conseiller")
    cases = {
        "day": {"day": "2026-01-05", "at": "08:00"},  # earlier today
        "at": {"at": "20:30"},  # ends after 21:00
        "duration_minutes": {"duration_minutes": "0"},
        "kind": {"kind": "apero"},
        "place": {"place": ""},  # on site, nowhere
        "counsellor_id": {"counsellor_id": str(world.ids["ailleurs"])},  # another structure's
        "mode": {"mode": "pigeon"},
    }
    for field, changes in cases.items():
        answer = _book(client, person_id, **changes)
        assert answer.status_code == 400, field
        assert f'id="err-{field}"' in answer.get_data(as_text=True), field
    far = _book(client, person_id, day="2027-02-01")
    assert far.status_code == 400 and "au plus un an" in far.get_data(as_text=True)
    for day in ("9999-12-31", "0001-01-01"):  # the ends of the calendar: refused, never an overflow
        assert _book(client, person_id, day=day, at="20:00", duration_minutes="480").status_code == 400
    assert _book(client, person_id, at="7h").status_code == 400
    assert _appointments(world, person_id) == []


def test_moving_makes_a_new_revision_and_cancelling_frees_the_slot_with_a_reason(world: World) -> None:
    person_id, other = _person(world), _person(world, last_name="Autre")
    client = world.client("conseiller")
    _book(client, person_id)
    _book(client, other, at="16:00")
    (found,) = _appointments(world, person_id)
    base = f"/personnes/{person_id}/rendez-vous/{found.id}"
    clash = client.post(f"{base}/deplacer", {"day": "2026-01-07", "at": "16:30", "duration_minutes": "30"})
    assert clash.status_code == 409
    moved = client.post(f"{base}/deplacer", {"day": "2026-01-08", "at": "10:00", "duration_minutes": "30"})
    assert moved.status_code == 303
    (found,) = _appointments(world, person_id)
    assert (found.starts_at, found.duration_minutes, found.revision) == (
        datetime(2026, 1, 8, 9, 0, tzinfo=UTC),
        30,
        2,
    )
    assert client.post(f"{base}/annuler", {"reason": "parce que"}).status_code == 400
    assert client.post(f"{base}/annuler", {"reason": "demande_personne"}).status_code == 303
    (found,) = _appointments(world, person_id)
    assert (found.status, found.cancel_reason) == ("cancelled", "demande_personne")
    assert "À la demande de la personne" in client.get(base).get_data(as_text=True)
    assert client.post(f"{base}/annuler", {"reason": "autre"}).status_code == 409
    again = client.post(f"{base}/deplacer", {"day": "2026-01-09", "at": "10:00", "duration_minutes": "30"})
    assert again.status_code == 409
    assert _book(client, other, day="2026-01-08", at="10:00").status_code == 303  # the slot is free


def test_attendance_is_recorded_once_the_appointment_has_started(world: World) -> None:
    person_id = _person(world)
    client = world.client("conseiller")
    _book(client, person_id)
    (found,) = _appointments(world, person_id)
    base = f"/personnes/{person_id}/rendez-vous/{found.id}"
    early = client.post(f"{base}/presence", {"attendance": "venu"})
    assert early.status_code == 409 and "une fois le rendez-vous commencé" in early.get_data(as_text=True)
    world.clock.set(datetime(2026, 1, 7, 13, 5, tzinfo=UTC))
    client = world.client("conseiller")  # two days later: a new session
    assert 'id="attendance-form"' in client.get(base).get_data(as_text=True)
    assert client.post(f"{base}/presence", {"attendance": "peut-etre"}).status_code == 400
    assert client.post(f"{base}/presence", {"attendance": "absent_non_excuse"}).status_code == 303
    (found,) = _appointments(world, person_id)
    assert (found.status, found.attendance) == ("held", "absent_non_excuse")
    assert client.post(f"{base}/presence", {"attendance": "venu"}).status_code == 409
    assert "Absent non excusé" in client.get("/agenda?date=2026-01-07").get_data(as_text=True)


def test_only_who_follows_the_person_and_reception_book_and_reception_reads_the_teams_agendas(
    world: World,
) -> None:
    person_id = _person(world)
    reception = world.client("accueil")
    for_him = _book(reception, person_id, counsellor_id=str(world.ids["conseiller"]))
    assert for_him.status_code == 303
    assert _book(reception, person_id, at="10:00").status_code == 400  # reception holds no appointment
    (found,) = _appointments(world, person_id)
    assert found.created_by == "accueil" and found.counsellor_id == world.ids["conseiller"]
    own = f"/agenda?date=2026-01-07&conseiller={world.ids['conseiller']}"
    assert "MARTIN" in reception.get(own).get_data(as_text=True)
    for username in ("collegue", "superviseur", "ailleurs", "coordination"):
        client = world.client(username)
        assert client.get(f"/personnes/{person_id}/rendez-vous").status_code in (403, 404), username
        assert _book(client, person_id, at="10:00").status_code in (403, 404), username
        assert client.get(f"/personnes/{person_id}/rendez-vous/{found.id}").status_code in (403, 404)
    assert world.client("collegue").get(own).status_code == 403  # another counsellor's agenda
    assert "MARTIN" not in world.client("collegue").get("/agenda?date=2026-01-07").get_data(as_text=True)
    assert world.client("superviseur").get("/agenda").status_code == 403
    with world.sessions() as session:
        logged = session.scalars(
            select(AccessLog.action).where(
                AccessLog.beneficiary_id == person_id, AccessLog.route.contains("rendez-vous")
            )
        ).all()
    assert "change" in logged


@pytest.mark.postgres
def test_two_bookings_racing_for_one_slot_on_postgresql_give_one_appointment(
    postgres_template: str, clock: Any
) -> None:
    engine = make_engine(postgres_template)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {', '.join(t.name for t in Base.metadata.sorted_tables)} CASCADE"))
    sessions = session_factory(engine)
    world = build_world(postgres_template, sessions, clock)
    people = [_person(world, last_name=f"Course{i}") for i in range(2)]
    slot = appointments.Slot(date(2026, 1, 7), time(14, 0), 60)
    barrier, results = threading.Barrier(2), []

    def race(person_id: int) -> None:
        try:
            with unit_of_work(sessions) as session:
                account = accounts.by_username(session, "conseiller")
                assert account is not None
                barrier.wait()
                booking = appointments.Booking("suivi", slot, "telephone")
                appointments.book(session, clock, account, person_id, booking, "/t")
            results.append("booked")
        except ConflictError:
            results.append("refused")

    threads = [threading.Thread(target=race, args=(person_id,)) for person_id in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == ["booked", "refused"]
    with sessions() as session:
        assert len(session.scalars(select(Appointment)).all()) == 1
    engine.dispose()


def test_the_pathway_page_books_an_appointment_for_that_pathway(world: World) -> None:
    pathway_id = world.start()
    person_id = person_of(world, pathway_id)
    client = world.client("conseiller")
    page = client.get(f"/parcours/{pathway_id}").get_data(as_text=True)
    assert 'id="book-appointment-link"' in page and 'id="agenda-link"' in page
    form = client.get(f"/personnes/{person_id}/rendez-vous?parcours={pathway_id}").get_data(as_text=True)
    assert f'<option value="{pathway_id}" selected>' in form
    assert _book(client, person_id, pathway_id=str(pathway_id)).status_code == 303
    assert _appointments(world, person_id)[0].pathway_id == pathway_id
    assert _book(client, person_id, pathway_id="999", at="16:00").status_code == 400
    assert 'id="book-appointment-link"' not in world.client("superviseur").get(
        f"/parcours/{pathway_id}"
    ).get_data(as_text=True)


def test_an_unexcused_absence_asks_to_call_the_person_back_and_two_in_a_row_are_flagged(world: World) -> None:
    person_id, other = _person(world, last_name="Deux"), _person(world, last_name="Une")
    client = world.client("conseiller")
    _book(client, person_id, day="2026-01-06", at="10:00")
    _book(client, person_id, day="2026-01-07", at="10:00")
    _book(client, other, day="2026-01-07", at="11:00")
    first, second = _appointments(world, person_id)
    (once,) = _appointments(world, other)
    world.clock.set(datetime(2026, 1, 7, 11, 0, tzinfo=UTC))
    client = world.client("conseiller")
    base = f"/personnes/{person_id}/rendez-vous"
    assert client.post(f"{base}/{first.id}/presence", {"attendance": "absent_non_excuse"}).status_code == 303
    assert 'id="follow-ups"' not in client.get("/agenda").get_data(as_text=True)  # the next one is booked
    assert client.post(f"{base}/{second.id}/presence", {"attendance": "absent_non_excuse"}).status_code == 303
    answer = client.post(
        f"/personnes/{other}/rendez-vous/{once.id}/presence", {"attendance": "absent_non_excuse"}
    )
    assert answer.status_code == 303
    follow_ups = client.get("/agenda").get_data(as_text=True).split('id="agenda"')[0]
    assert "DEUX Léa" in follow_ups and "2 absences non excusées de suite" in follow_ups
    assert "UNE Léa" in follow_ups and follow_ups.count("de suite") == 1
    assert _book(client, person_id, day="2026-01-09", at="10:00").status_code == 303  # called back
    follow_ups = client.get("/agenda").get_data(as_text=True).split('id="agenda"')[0]
    assert "DEUX Léa" not in follow_ups and "UNE Léa" in follow_ups


def test_the_printable_convocation_names_the_person_as_typed_and_is_logged(world: World) -> None:
    person_id = _person(world, last_name="<b>Lenoir</b>", first_name="Zoé")
    client = world.client("conseiller")
    client.post(f"/personnes/{person_id}/coordonnees", {"address_line": "3 rue des Lilas", "city": "Vichy"})
    _book(client, person_id)
    (found,) = _appointments(world, person_id)
    page = client.get(f"/personnes/{person_id}/rendez-vous/{found.id}").get_data(as_text=True)
    assert 'id="letter-link"' in page and 'id="no-message"' in page
    answer = client.get(f"/personnes/{person_id}/rendez-vous/{found.id}/convocation.pdf")
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF-")
    assert answer.headers["Cache-Control"] == "no-store"
    assert "convocation_" in answer.headers["Content-Disposition"]
    text = _shown_text(answer.data)
    assert "<B>LENOIR</B>" in text and "3 rue des Lilas" in text and "14:00" in text
    assert "mercredi 07/01/2026" in text
    url = f"/personnes/{person_id}/rendez-vous/{found.id}/convocation.pdf"
    assert world.client("collegue").get(url).status_code == 403
    with world.sessions() as session:
        logged = session.scalars(
            select(AccessLog.action).where(AccessLog.route.contains("convocation.pdf"))
        ).all()
    assert logged == ["read", "refused"]  # the colleague's attempt too


def test_every_wrong_field_of_the_booking_form_is_shown_at_once(world: World) -> None:
    person_id = _person(world)
    answer = _book(
        world.client("conseiller"), person_id, at="25:00", day="", kind="apero", place="", mode="lieu"
    )
    assert answer.status_code == 400
    page = answer.get_data(as_text=True)
    for field in ("day", "at", "kind", "place"):
        assert f'id="err-{field}"' in page, field
    assert 'value="25:00"' in page
    assert _appointments(world, person_id) == []


def test_supervisors_read_the_share_of_appointments_honoured_and_the_days_to_a_first_meeting(
    world: World,
) -> None:
    pathway_id = world.start()
    person_id = person_of(world, pathway_id)
    client = world.client("conseiller")
    for day in ("2026-01-06", "2026-01-07", "2026-01-08"):
        _book(client, person_id, day=day, pathway_id=str(pathway_id))
    world.clock.set(datetime(2026, 1, 9, 9, 0, tzinfo=UTC))
    client = world.client("conseiller")
    for found, attendance in zip(
        _appointments(world, person_id), ("absent_non_excuse", "venu", "excuse"), strict=True
    ):
        client.post(f"/personnes/{person_id}/rendez-vous/{found.id}/presence", {"attendance": attendance})
    assert 'id="attendance-link"' in world.client("superviseur").get("/supervision/").get_data(as_text=True)
    page = world.client("superviseur").get("/supervision/presences?du=2026-01-01&au=2026-01-31")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "<td>1</td><td>1</td><td>1</td><td>33 %</td>" in text  # per programme and per referent
    assert "2.2 jours (1 parcours)" in text  # started 5 January 09:00 UTC, met 7 January 13:00 UTC
    assert "MARTIN" not in text  # nobody named
    assert world.client("coordination").get("/supervision/presences").status_code == 200
    other = world.client("superviseur_sud").get("/supervision/presences?du=2026-01-01&au=2026-01-31")
    assert "Aucun rendez-vous tenu" in other.get_data(as_text=True)
    assert world.client("conseiller").get("/supervision/presences").status_code == 403
