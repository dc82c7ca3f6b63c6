"""No-shows (issue 17): an unexcused absence gives the referent one "Relancer la personne" follow-up
in *Mes tâches*, due three working days later, done with an outcome of a closed list (never for an
excused absence, never twice for one appointment, only by that referent). On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from parcours_engine.appointments import follow_ups
from parcours_engine.persistence.models import AccessLog, Pathway
from parcours_engine.persistence.models.appointments import Appointment, AppointmentFollowUp
from parcours_engine.persistence.uow import unit_of_work
from tests.functional.conftest import World
from tests.functional.test_permissions import person_of
from tests.functional.test_security_pdf import _shown_text

SUIVI = {"kind": "suivi", "at": "14:00", "duration_minutes": "60", "mode": "lieu", "place": "Bureau 3"}


def _booked(world: World, client: Any, person_id: int, pathway_id: int | None, day: str, at: str) -> int:
    body = {**SUIVI, "day": day, "at": at, "pathway_id": str(pathway_id or "")}
    answer = client.post(f"/personnes/{person_id}/rendez-vous", body)
    assert answer.status_code == 303, answer.get_data(as_text=True)
    return int(answer.headers["Location"].rsplit("/", 1)[1])


def _attend(client: Any, person_id: int, appointment_id: int, attendance: str) -> None:
    url = f"/personnes/{person_id}/rendez-vous/{appointment_id}/presence"
    assert client.post(url, {"attendance": attendance}).status_code == 303


def _follow_ups(world: World) -> list[AppointmentFollowUp]:
    with world.sessions() as session:
        return list(session.scalars(select(AppointmentFollowUp).order_by(AppointmentFollowUp.id)))


def test_an_unexcused_absence_puts_one_follow_up_in_the_referents_inbox_and_an_excused_one_none(
    world: World,
) -> None:
    pathway_id = world.start(last_name="Absente")
    person_id = person_of(world, pathway_id)
    client = world.client("conseiller")
    missed = _booked(world, client, person_id, pathway_id, "2026-01-07", "14:00")  # a Wednesday
    excused = _booked(world, client, person_id, pathway_id, "2026-01-07", "16:00")
    assert 'id="follow-ups"' not in client.get("/taches").get_data(as_text=True)
    world.clock.set(datetime(2026, 1, 7, 17, 0, tzinfo=UTC))
    client = world.client("conseiller")
    _attend(client, person_id, excused, "excuse")
    assert _follow_ups(world) == []
    _attend(client, person_id, missed, "absent_non_excuse")
    (made,) = _follow_ups(world)
    assert (made.beneficiary_id, made.pathway_id, made.appointment_id) == (person_id, pathway_id, missed)
    assert (made.referent_id, made.done_at, made.outcome) == (world.ids["conseiller"], None, None)
    assert made.due_at == datetime(2026, 1, 12, 22, 59, tzinfo=UTC)  # Monday: 3 working days, 23:59 Paris
    inbox = client.get("/taches").get_data(as_text=True)
    assert 'id="follow-ups"' in inbox and "ABSENTE Léa" in inbox and "12/01/2026" in inbox
    assert f"/relances/{made.id}" in inbox
    assert 'id="follow-ups"' not in world.client("collegue").get("/taches").get_data(as_text=True)
    listed = world.api("conseiller").get("/follow-ups").get_json()["items"]
    assert [(i["id"], i["appointment_id"], i["overdue"]) for i in listed] == [(made.id, missed, False)]
    assert world.api("collegue").get("/follow-ups").get_json() == {"items": []}
    assert world.api("superviseur").get("/follow-ups").status_code == 403
    with unit_of_work(world.sessions) as session:  # once per appointment, whoever asks again
        appointment = session.get(Appointment, missed)
        assert appointment is not None
        assert follow_ups.on_attendance(session, world.clock, appointment) is not None
    assert len(_follow_ups(world)) == 1


def test_the_referent_records_the_follow_ups_outcome_from_a_closed_list_once(world: World) -> None:
    person_id = person_of(world, world.start(last_name="Relance"))
    client = world.client("conseiller")
    missed = _booked(world, client, person_id, None, "2026-01-09", "10:00")  # a Friday, no pathway
    world.clock.set(datetime(2026, 1, 9, 12, 0, tzinfo=UTC))
    client = world.client("conseiller")
    _attend(client, person_id, missed, "absent_non_excuse")
    (made,) = _follow_ups(world)
    assert made.due_at == datetime(2026, 1, 14, 22, 59, tzinfo=UTC)  # Wednesday, the weekend skipped
    url = f"/relances/{made.id}"
    page = client.get(url).get_data(as_text=True)
    assert 'id="follow-up-form"' in page and "RELANCE Léa" in page and "09/01/2026 10:00" in page
    assert world.client("collegue").get(url).status_code == 403
    assert world.client("superviseur").get(url).status_code == 403
    assert client.get("/relances/9999").status_code == 404
    refused = client.post(url, {"outcome": "a rappelé, très motivée"})
    assert refused.status_code == 400 and 'id="err-outcome"' in refused.get_data(as_text=True)
    assert world.client("collegue").post(url, {"outcome": "joint"}).status_code == 403
    done = client.post(url, {"outcome": "nouveau_rdv_pris"})
    assert done.status_code == 303 and "relance=1" in done.headers["Location"]
    (made,) = _follow_ups(world)
    assert (made.outcome, made.done_by, made.done_at) == ("nouveau_rdv_pris", "conseiller", world.clock.now())
    assert 'id="follow-ups"' not in client.get("/taches").get_data(as_text=True)
    assert client.post(url, {"outcome": "joint"}).status_code == 409
    assert _follow_ups(world)[0].outcome == "nouveau_rdv_pris"
    exported = client.get(f"/personnes/{person_id}/donnees.json").get_json()  # RGPD Art. 15
    assert [row["outcome"] for row in exported["appointment_follow_ups"]] == ["nouveau_rdv_pris"]
    printed = _shown_text(client.get(f"/personnes/{person_id}/donnees.pdf").data)
    assert "Relances apr" in printed and "nouveau_rdv_pris" in printed
    with world.sessions() as session:
        logged = session.scalars(
            select(AccessLog.action).where(AccessLog.route.contains("/relances/")).order_by(AccessLog.id)
        ).all()
    assert "change" in logged and "read" in logged and "refused" in logged


def test_two_unexcused_absences_in_a_row_are_flagged_on_the_pathway_page_with_their_dates(
    world: World,
) -> None:
    pathway_id = world.start(last_name="Deuxfois")
    person_id = person_of(world, pathway_id)
    client = world.client("conseiller")
    ids = [_booked(world, client, person_id, pathway_id, f"2026-01-0{day}", "10:00") for day in (6, 7, 8, 9)]
    world.clock.set(datetime(2026, 1, 9, 12, 0, tzinfo=UTC))
    client = world.client("conseiller")
    page = f"/parcours/{pathway_id}"
    _attend(client, person_id, ids[0], "absent_non_excuse")
    _attend(client, person_id, ids[1], "venu")
    _attend(client, person_id, ids[2], "absent_non_excuse")
    assert 'id="missed-in-a-row"' not in client.get(page).get_data(as_text=True)  # not in a row
    _attend(client, person_id, ids[3], "absent_non_excuse")
    shown = client.get(page).get_data(as_text=True)
    assert 'id="missed-in-a-row"' in shown and "2 absences non excusées de suite" in shown
    assert "Rendez-vous manqués les 09/01/2026 et 08/01/2026" in shown
    assert 'id="rsa-procedure"' not in shown  # the reference programme: no département's procedure
    supervisor = world.client("superviseur").get(page).get_data(as_text=True)
    assert supervisor.count("DEUXFOIS") and 'id="missed-in-a-row"' not in supervisor  # no appointments


def test_for_the_rsa_programme_the_referent_reads_the_departements_procedure(world: World) -> None:
    pathway_id = world.start(last_name="Rsa")
    person_id = person_of(world, pathway_id)
    client = world.client("conseiller")
    ids = [_booked(world, client, person_id, pathway_id, f"2026-01-0{day}", "10:00") for day in (6, 7)]
    world.clock.set(datetime(2026, 1, 7, 12, 0, tzinfo=UTC))
    client = world.client("conseiller")
    for found in ids:
        _attend(client, person_id, found, "absent_non_excuse")
    with unit_of_work(world.sessions) as session:  # the fixture library has no RSA model: its code
        pathway = session.get(Pathway, pathway_id)
        assert pathway is not None
        pathway.programme = "rsa_accompagnement"
    shown = client.get(f"/parcours/{pathway_id}").get_data(as_text=True)
    assert "Rendez-vous manqués les 07/01/2026 et 06/01/2026" in shown
    procedure = shown.split('id="rsa-procedure"')[1].split("</p>")[0]
    assert "président du conseil départemental" in procedure and "procédure contradictoire" in procedure
    assert "réduction de l&#39;allocation" in procedure or "réduction de l'allocation" in procedure
    english = world.client("conseiller")
    english.post("/langue", {"lang": "en"})
    translated = english.get(f"/parcours/{pathway_id}").get_data(as_text=True)
    assert "president of the département council" in translated and "Procédure" not in translated


def test_the_supervisor_reads_the_median_days_to_a_first_attended_appointment_per_programme(
    world: World,
) -> None:
    client = world.client("conseiller")
    met = []
    for name, day in (("Tot", "2026-01-07"), ("Tard", "2026-01-09")):  # started 5 January 09:00 UTC
        pathway_id = world.start(last_name=name)
        person_id = person_of(world, pathway_id)
        met.append((pathway_id, person_id, _booked(world, client, person_id, pathway_id, day, "14:00")))
    world.clock.set(datetime(2026, 1, 9, 16, 0, tzinfo=UTC))
    client = world.client("conseiller")
    for _, person_id, appointment_id in met:
        _attend(client, person_id, appointment_id, "venu")
    with unit_of_work(world.sessions) as session:  # the later one in another programme (by its code)
        pathway = session.get(Pathway, met[1][0])
        assert pathway is not None
        pathway.programme = "rsa_accompagnement"
    page = world.client("superviseur").get("/supervision/presences?du=2026-01-01&au=2026-01-31")
    text = page.get_data(as_text=True)
    assert "3.2 jours (2 parcours)" in text  # all programmes: the median of 2.2 and 4.2
    table = text.split('id="first-meeting-by-programme"')[1].split("</table>")[0]
    assert "<td>Parcours de référence</td><td>2.2</td><td>1</td>" in table
    assert "<td>rsa_accompagnement</td><td>4.2</td><td>1</td>" in table
    other = world.client("superviseur_sud").get("/supervision/presences?du=2026-01-01&au=2026-01-31")
    assert 'id="first-meeting-by-programme"' not in other.get_data(as_text=True)
