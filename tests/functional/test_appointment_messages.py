"""Convocations and reminders (issue 17, step 5), received by a real SMTP server (aiosmtpd) in this
process: the convocation when booked or moved, the reminders at D-3 and D-1, each exactly once even
when scheduler runs race, only on a channel the person accepted, failures retried then shown on the
appointment's page; the rows say what was sent when and on which channel, never the text."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time as time_module
from collections.abc import Iterator
from datetime import UTC, date, datetime, time
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import inspect, select

from parcours_engine.accounts import accounts
from parcours_engine.appointments import appointments, contacts
from parcours_engine.persistence.models.appointments import AppointmentMessage
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.scheduler.jobs import send_appointment_messages
from tests.functional.conftest import World
from tests.functional.test_permissions import person_of
from tests.integration.scheduler_child import FROZEN_NOW_ENV

REPO = Path(__file__).resolve().parents[2]

SENDER = "agenda@ml-nord.example"


class Inbox:
    """The SMTP handler: every message the server accepted."""

    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        parsed = message_from_bytes(envelope.content, policy=policy.default)
        with self.lock:
            self.messages.append(parsed)  # type: ignore[arg-type]
        return "250 OK"

    def subjects(self) -> list[str]:
        return [str(m["Subject"]) for m in self.messages]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Inbox, Controller]]:
    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("PARCOURS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PARCOURS_SMTP_PORT", str(port))
    monkeypatch.setenv("PARCOURS_SMTP_FROM", SENDER)
    monkeypatch.delenv("PARCOURS_REMINDER_DAYS", raising=False)
    try:
        yield inbox, controller
    finally:
        controller.stop()


class SmsProvider(BaseHTTPRequestHandler):
    """A local server speaking the SMS API that reminders.send_sms documents."""

    received: list[dict[str, Any]]
    status = 202

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append({"auth": self.headers.get("Authorization"), **body})
        self.send_response(type(self).status)
        self.end_headers()

    def log_message(self, *_args: Any) -> None:  # quiet
        return None


@pytest.fixture
def sms(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[SmsProvider]]:
    handler = type("Provider", (SmsProvider,), {"received": [], "status": 202})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("PARCOURS_SMS_URL", f"http://127.0.0.1:{server.server_address[1]}/v1/sms")
    monkeypatch.setenv("PARCOURS_SMS_TOKEN", "sms-secret")
    try:
        yield handler
    finally:
        server.shutdown()
        server.server_close()


def _person(
    world: World, email: str | None = "lea@example.org", channels: tuple[str, ...] = ("email",)
) -> int:
    person_id = person_of(world, world.start())
    with unit_of_work(world.sessions) as session:
        referent = accounts.by_username(session, "conseiller")
        assert referent is not None
        given = contacts.ContactInput(phone="06 12 34 56 78", email=email or "")
        contacts.save(session, world.clock, referent, person_id, given, "/t")
        for channel in channels:
            contacts.give_consent(session, world.clock, referent, person_id, channel, date(2026, 1, 5), "/t")
    return person_id


def _book(world: World, person_id: int, day: date = date(2026, 1, 12), at: time = time(14, 0)) -> int:
    with unit_of_work(world.sessions) as session:
        referent = accounts.by_username(session, "conseiller")
        assert referent is not None
        booking = appointments.Booking("suivi", appointments.Slot(day, at, 60), "lieu", "Bureau 3")
        return appointments.book(session, world.clock, referent, person_id, booking, "/t").id


def _run(world: World) -> int | None:
    return send_appointment_messages(world.sessions, world.clock)


def _rows(world: World) -> list[tuple[str, str, str, int]]:
    with world.sessions() as session:
        return [
            (m.kind, m.channel, m.status, m.attempts)
            for m in session.scalars(select(AppointmentMessage).order_by(AppointmentMessage.id))
        ]


def test_the_convocation_then_the_reminders_at_d3_and_d1_each_arrive_once(world: World, smtp: Any) -> None:
    inbox, _controller = smtp
    person_id = _person(world)
    _book(world, person_id)  # Monday 12 January, 14:00 in Paris (13:00 UTC)
    assert _run(world) == 1
    assert _run(world) == 0
    (convocation,) = inbox.messages
    assert str(convocation["To"]) == "lea@example.org" and str(convocation["From"]) == SENDER
    assert str(convocation["Subject"]) == "Convocation : rendez-vous le 12/01/2026 à 14:00"
    body = convocation.get_content()
    assert "Conseiller le lundi 12/01/2026 à 14:00 (Suivi, 60 minutes)" in body and "Lieu : Bureau 3." in body
    world.clock.set(datetime(2026, 1, 9, 12, 59, tzinfo=UTC))  # just before D-3
    assert _run(world) == 0
    world.clock.set(datetime(2026, 1, 9, 13, 0, tzinfo=UTC))
    assert _run(world) == 1 and _run(world) == 0
    world.clock.set(datetime(2026, 1, 11, 13, 30, tzinfo=UTC))
    assert _run(world) == 1 and _run(world) == 0
    world.clock.set(datetime(2026, 1, 12, 13, 30, tzinfo=UTC))  # started: nothing more
    assert _run(world) == 0
    assert inbox.subjects() == [
        "Convocation : rendez-vous le 12/01/2026 à 14:00",
        "Rappel : rendez-vous le 12/01/2026 à 14:00",
        "Rappel : rendez-vous le 12/01/2026 à 14:00",
    ]
    assert _rows(world) == [
        ("convocation", "email", "sent", 1),
        ("rappel_j3", "email", "sent", 1),
        ("rappel_j1", "email", "sent", 1),
    ]
    columns = {c.key for c in inspect(AppointmentMessage).columns}
    assert not columns & {"address", "email", "body", "subject", "content"}  # never the text nor where


def test_nothing_is_sent_on_a_channel_the_person_did_not_accept_or_withdrew(world: World, smtp: Any) -> None:
    inbox, _controller = smtp
    no_consent = _person(world, channels=())
    sms_only = _person(world, channels=("sms",))
    withdrawn = _person(world)
    for person_id in (no_consent, sms_only, withdrawn):
        _book(world, person_id, at=time(9 + person_id, 0))
    with unit_of_work(world.sessions) as session:
        referent = accounts.by_username(session, "conseiller")
        assert referent is not None
        consent = contacts.view(session, withdrawn).consents[0]
        contacts.withdraw_consent(session, world.clock, referent, withdrawn, consent.id, "/t")
    assert _run(world) == 0
    assert inbox.messages == [] and _rows(world) == []


def test_a_late_booking_gets_its_convocation_only_and_a_move_a_new_one_and_a_cancellation_nothing(
    world: World, smtp: Any
) -> None:
    inbox, _controller = smtp
    person_id = _person(world)
    world.clock.set(datetime(2026, 1, 10, 8, 0, tzinfo=UTC))  # two days before: D-3 has passed
    appointment_id = _book(world, person_id)
    assert _run(world) == 1
    assert inbox.subjects() == ["Convocation : rendez-vous le 12/01/2026 à 14:00"]
    with unit_of_work(world.sessions) as session:
        referent = accounts.by_username(session, "conseiller")
        assert referent is not None
        slot = appointments.Slot(date(2026, 1, 13), time(10, 0), 30)
        appointments.move(session, world.clock, referent, person_id, appointment_id, slot, "/t")
    assert _run(world) == 1
    assert inbox.subjects()[-1] == "Convocation : rendez-vous le 13/01/2026 à 10:00"
    with unit_of_work(world.sessions) as session:
        referent = accounts.by_username(session, "conseiller")
        assert referent is not None
        appointments.cancel(session, world.clock, referent, person_id, appointment_id, "autre", "/t")
    world.clock.set(datetime(2026, 1, 12, 10, 0, tzinfo=UTC))  # D-1 of the moved appointment
    assert _run(world) == 0 and len(inbox.messages) == 2


def test_a_failure_is_retried_then_shown_on_the_appointments_page(
    world: World, smtp: Any, monkeypatch
) -> None:
    inbox, _controller = smtp
    person_id = _person(world)
    appointment_id = _book(world, person_id)
    monkeypatch.setenv("PARCOURS_SMTP_PORT", str(_free_port()))  # nobody listens there
    assert _run(world) == 0
    assert _rows(world) == [("convocation", "email", "failed", 1)]
    page = world.client("conseiller").get(f"/personnes/{person_id}/rendez-vous/{appointment_id}")
    assert "Échec de l'envoi (1 essai(s))" in page.get_data(as_text=True)
    assert _run(world) == 0 and _run(world) == 0
    assert _rows(world) == [("convocation", "email", "failed", 3)]  # given up after three attempts
    other = _person(world)
    _book(world, other, at=time(16, 0))
    monkeypatch.setenv("PARCOURS_SMTP_PORT", str(_controller.port))
    assert _run(world) == 1 and len(inbox.messages) == 1  # the other one; the given-up one stays shown


def test_scheduler_runs_racing_send_each_convocation_exactly_once(world: World, smtp: Any) -> None:
    inbox, _controller = smtp
    count = 12
    for index in range(count):
        _book(world, _person(world, email=f"p{index}@example.org"), at=time(8 + index, 0))
    barrier = threading.Barrier(3)
    sent: list[int | None] = []

    def scheduler() -> None:
        barrier.wait()
        for _ in range(3):
            sent.append(_run(world))

    threads = [threading.Thread(target=scheduler) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert sum(n or 0 for n in sent) == count
    addresses = sorted(str(m["To"]) for m in inbox.messages)
    assert addresses == sorted(f"p{index}@example.org" for index in range(count))


def _race(world: World, tmp_path: Path, now: datetime) -> int:
    """Two scheduler processes started together at `now`: how many messages they sent in all."""
    url = world.app.config["DATABASE_URL"]
    env = dict(os.environ, PYTHONPATH=f"{REPO}:{REPO / 'src'}", **{FROZEN_NOW_ENV: now.isoformat()})
    run = tmp_path / now.strftime("%Y%m%d%H%M")
    run.mkdir()
    go, readies = run / "go", [run / f"ready{i}" for i in range(2)]
    children = [
        subprocess.Popen(
            [sys.executable, "-m", "tests.integration.appointment_messages_child", url, str(ready), str(go)],
            cwd=REPO,
            env=env,
            stdout=subprocess.PIPE,
            text=True,
        )
        for ready in readies
    ]
    deadline = time_module.monotonic() + 60
    while not all(ready.exists() for ready in readies) and time_module.monotonic() < deadline:
        time_module.sleep(0.01)
    go.write_text("go")
    sent = 0
    for child in children:
        out, _ = child.communicate(timeout=120)
        assert child.returncode == 0
        sent += json.loads(out.strip().splitlines()[-1])["sent"]
    return sent


def test_two_scheduler_processes_send_each_convocation_and_reminder_exactly_once_by_email_and_sms(
    world: World, smtp: Any, sms: Any, tmp_path: Path
) -> None:
    inbox, _controller = smtp
    count = 10
    for index in range(count):  # Monday 12 January, 8:00 to 17:00 in Paris
        person = _person(world, email=f"q{index}@example.org", channels=("email", "sms"))
        _book(world, person, at=time(8 + index, 0))
    instants = (
        world.clock.now(),  # the convocations
        datetime(2026, 1, 10, 12, 0, tzinfo=UTC),  # every D-3 reminder due, no D-1 yet
        datetime(2026, 1, 11, 17, 0, tzinfo=UTC),  # every D-1 reminder due
    )
    for now in instants:
        assert _race(world, tmp_path, now) == 2 * count  # an email and an SMS each, once
    expected = sorted(f"q{i}@example.org" for i in range(count) for _ in instants)
    assert sorted(str(m["To"]) for m in inbox.messages) == expected
    # each appointment's SMS (the same test phone for everyone): its convocation and two reminders
    for index in range(count):
        hour = f"12/01/2026 à {8 + index:02d}:00"
        texts = [m["text"] for m in sms.received if hour in m["text"]]
        assert len(texts) == 3 and sum(text.startswith("Convocation") for text in texts) == 1, texts
    assert len(sms.received) == 3 * count
    rows = _rows(world)
    assert {row[2] for row in rows} == {"sent"} and len(rows) == 6 * count
    assert sorted({(kind, channel) for kind, channel, _status, _n in rows}) == [
        (kind, channel) for kind in ("convocation", "rappel_j1", "rappel_j3") for channel in ("email", "sms")
    ]


def test_sms_go_through_the_providers_api_only_to_who_accepted_them(
    world: World, smtp: Any, sms: Any
) -> None:
    inbox, _controller = smtp
    both = _person(world, email="both@example.org", channels=("email", "sms"))
    sms_only = _person(world, email="sms@example.org", channels=("sms",))
    email_only = _person(world, email="mail@example.org", channels=("email",))
    for index, person_id in enumerate((both, sms_only, email_only)):
        _book(world, person_id, at=time(9 + index, 0))
    assert _run(world) == 4 and _run(world) == 0
    assert sorted(str(m["To"]) for m in inbox.messages) == ["both@example.org", "mail@example.org"]
    assert [(r["to"], r["auth"], r["sender"]) for r in sms.received] == [
        ("+33612345678", "Bearer sms-secret", "PARCOURS"),
        ("+33612345678", "Bearer sms-secret", "PARCOURS"),
    ]
    text = sms.received[0]["text"]
    assert text.startswith("Convocation : rendez-vous avec Conseiller le lundi 12/01/2026 à 09:00 (Suivi).")
    assert len(text) <= 320
    assert sorted((row[1], row[2]) for row in _rows(world)) == [
        ("email", "sent"),
        ("email", "sent"),
        ("sms", "sent"),
        ("sms", "sent"),
    ]


def test_a_provider_refusing_an_sms_is_a_failure_retried_later(world: World, smtp: Any, sms: Any) -> None:
    person_id = _person(world, channels=("sms",))
    _book(world, person_id)
    sms.status = 500
    assert _run(world) == 0
    with world.sessions() as session:
        (row,) = session.scalars(select(AppointmentMessage)).all()
    assert (row.channel, row.status, row.error) == ("sms", "failed", "HTTP 500")
    sms.status = 202
    assert _run(world) == 1
    assert _rows(world) == [("convocation", "sms", "sent", 2)]
    assert len(sms.received) == 2
