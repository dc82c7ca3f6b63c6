"""Scheduler jobs. Thin: each calls a service inside its own unit of work.

Jobs: fire due timers (every minute), sweep for stalled pathways (every 5 minutes), remind tasks due
soon (every 15 minutes), send appointments' convocations and reminders (every minute), end expired temporary referent transfers (hourly), apply the retention rules
(daily: files past their period anonymised, the access log past its own purged).

How many schedulers run, and why each job still runs once:
- `start_scheduler` runs the jobs in a background thread of `parcours-engine serve` (embedded default).
  Under Werkzeug's reloader (`flask run --reload`) only the serving child starts it
  (`WERKZEUG_RUN_MAIN=true`), never the watcher process. On PostgreSQL several `serve` processes
  elect one leader with a session-level advisory lock (`pg_try_advisory_lock`) held on a connection of
  its own: the others skip every run until the leader's connection goes away, then one takes over.
- `run_forever` is the standalone `parcours-engine scheduler` process (turn `serve --no-scheduler` on
  then); several of them may run. Timers are claimed row by row with `FOR UPDATE SKIP LOCKED`, so each
  fires once; the sweep, the reminders and the transfers take a transaction-level advisory lock
  (`pg_try_advisory_xact_lock`) and a second scheduler skips the run instead of notifying twice.
  SQLite has one writer at a time: its runs are serialized by the database itself.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.appointments import reminders as appointment_reminders
from parcours_engine.domain.appointments import Channel
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import ParcoursError, TransitionFailed
from parcours_engine.domain.retention import rules_from
from parcours_engine.pathways import referents, reminders, retention
from parcours_engine.pathways.timers import after_failed_firing, fire_one_due
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.supervision import supervision

log = logging.getLogger(__name__)

TIMER_INTERVAL_SECONDS = 60
SWEEP_INTERVAL_MINUTES = 5
REMINDER_INTERVAL_MINUTES = 15
APPOINTMENT_MESSAGES_INTERVAL_SECONDS = 60
TRANSFER_INTERVAL_MINUTES = 60
RETENTION_INTERVAL_HOURS = 24
MAX_FIRINGS_PER_RUN = 500  # leave the rest to the next run rather than hold the job for long

# PostgreSQL advisory lock keys: arbitrary constants, the same in every process of a deployment.
LEADER_LOCK = 0x50415243_00000001
SWEEP_LOCK = 0x50415243_00000002
REMINDER_LOCK = 0x50415243_00000003
TRANSFER_LOCK = 0x50415243_00000004
RETENTION_LOCK = 0x50415243_00000005


def fire_due_timers(sessions: sessionmaker[Session], clock: Clock) -> tuple[int, int]:
    """Fire due timers pathway by pathway; (advanced, failed)."""
    advanced = failed = 0
    seen: set[int] = set()
    for _ in range(MAX_FIRINGS_PER_RUN):
        try:
            with unit_of_work(sessions) as session:
                pathway_id = fire_one_due(session, clock)
        except TransitionFailed as failure:
            # Rolled back and recorded as an incident: try again later, or give up (pathways/timers.py).
            failed += 1
            log.warning("timer firing failed (incident %s)", failure.incident_id)  # the words: in it
            if failure.incident_id is not None:
                with unit_of_work(sessions) as session:
                    after_failed_firing(session, clock, failure.incident_id)
            continue
        except ParcoursError as error:
            failed += 1  # a concurrent change to the pathway: it is still due, the next run retries
            log.warning("timer firing skipped: %s", error.code)
            break
        if pathway_id is None or pathway_id in seen:
            break  # nothing left, or a pathway still due after firing: never spin on it in one run
        seen.add(pathway_id)
        advanced += 1
    return advanced, failed


FULL_SWEEP_EVERY = timedelta(days=1)
# Per database: (last full sweep, last sweep) of this process; later sweeps only look at the deadlines
# passed since the last one, and one a day re-checks everything (supervision.supervision.sweep).
_sweeps: dict[str, tuple[datetime, datetime]] = {}


def sweep_stalled(sessions: sessionmaker[Session], clock: Clock) -> supervision.SweepResult | None:
    """Flag and clear stalled pathways; None when another scheduler is sweeping right now."""
    now = clock.now()
    key = str(sessions.kw["bind"].url)
    last_full, last = _sweeps.get(key, (None, None))
    full = (
        last_full is None
        or last is None
        or not last_full <= last <= now
        or now - last_full >= FULL_SWEEP_EVERY
    )
    with unit_of_work(sessions) as session:
        if not _exclusive(session, SWEEP_LOCK):
            return None
        result = supervision.sweep(session, now, None if full else last)
    _sweeps[key] = (now if full or last_full is None else last_full, now)
    return result


def send_reminders(sessions: sessionmaker[Session], clock: Clock) -> int | None:
    with unit_of_work(sessions) as session:
        if not _exclusive(session, REMINDER_LOCK):
            return None
        return reminders.remind_tasks_due_soon(session, clock.now())


def send_appointment_messages(sessions: sessionmaker[Session], clock: Clock) -> int | None:
    """Convocations and reminders of appointments: claimed in one unit of work (one row each: sent
    once whatever the number of schedulers), sent after its commit, each result recorded in another;
    on the channels the deployment set (PARCOURS_SMTP_*, PARCOURS_SMS_*); None when it set none."""
    mail, sms = appointment_reminders.mail_settings(), appointment_reminders.sms_settings()
    channels = {str(channel) for channel, settings in ((Channel.EMAIL, mail), (Channel.SMS, sms)) if settings}
    if not channels:
        return None
    with unit_of_work(sessions) as session:
        outgoing = appointment_reminders.claim(session, clock.now(), channels)
    if not outgoing:
        return 0
    results: dict[int, str | None] = {}
    if mail is not None:
        emails = [message for message in outgoing if message.channel == Channel.EMAIL]
        results.update(appointment_reminders.send_emails(mail, emails, clock.now()))
    if sms is not None:
        texts = [message for message in outgoing if message.channel == Channel.SMS]
        results.update(appointment_reminders.send_sms(sms, texts))
    with unit_of_work(sessions) as session:
        appointment_reminders.record(session, clock.now(), results)
    return sum(1 for error in results.values() if error is None)


def end_expired_transfers(sessions: sessionmaker[Session], clock: Clock) -> int | None:
    with unit_of_work(sessions) as session:
        if not _exclusive(session, TRANSFER_LOCK):
            return None
        return referents.end_expired_transfers(session, clock)


def apply_retention(
    sessions: sessionmaker[Session], clock: Clock, dry_run: bool = False
) -> retention.RetentionReport | None:
    """Anonymise the files past their retention period, purge the access log past its own (one unit
    of work); None when another scheduler is doing it right now."""
    with unit_of_work(sessions) as session:
        if not _exclusive(session, RETENTION_LOCK):
            return None
        return retention.apply(session, clock, rules_from(), dry_run=dry_run)


def _exclusive(session: Session, key: int) -> bool:
    """Take a lock held until the end of this unit of work; False when another process holds it."""
    if session.get_bind().dialect.name != "postgresql":
        return True
    return bool(session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}))


class Leadership:
    """One `serve` process of many runs the jobs: the one holding a session-level advisory lock.

    The lock lives as long as its connection: when the leader stops (or loses the database), the next
    process to ask becomes leader. Without PostgreSQL every process leads (SQLite: one machine).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.connection: Connection | None = None
        # Jobs run in the scheduler's thread pool, several at the same second (the timers and the
        # appointment messages, each every minute): one connection is not for two threads at once.
        self._lock = threading.Lock()

    def held(self) -> bool:
        if self.engine.dialect.name != "postgresql":
            return True
        with self._lock:
            return self._held()

    def _held(self) -> bool:
        if self.connection is not None:
            try:
                self.connection.execute(text("SELECT 1"))
                self.connection.commit()
                return True
            except DBAPIError:
                self.release()  # the connection died, and the lock with it
        connection = self.engine.connect()
        got = bool(connection.scalar(text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADER_LOCK}))
        connection.commit()
        if got:
            self.connection = connection
        else:
            connection.close()
        return got

    def release(self) -> None:
        if self.connection is not None:
            # Unlock explicitly: the server drops a closed session's locks only once its backend has
            # exited, so another process asking right away could still be refused.
            try:
                self.connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": LEADER_LOCK})
                self.connection.commit()
            except DBAPIError:
                pass  # the connection is already gone, and its lock with it
            # Really close it: returned to the pool, the database session (and the lock) would live on.
            self.connection.invalidate()
            self.connection = None


def _jobs() -> list[tuple[Callable[..., Any], dict[str, int]]]:
    return [
        (fire_due_timers, {"seconds": TIMER_INTERVAL_SECONDS}),
        (sweep_stalled, {"minutes": SWEEP_INTERVAL_MINUTES}),
        (send_reminders, {"minutes": REMINDER_INTERVAL_MINUTES}),
        (send_appointment_messages, {"seconds": APPOINTMENT_MESSAGES_INTERVAL_SECONDS}),
        (end_expired_transfers, {"minutes": TRANSFER_INTERVAL_MINUTES}),
        (apply_retention, {"hours": RETENTION_INTERVAL_HOURS}),
    ]


def _configure(
    scheduler: BaseScheduler,
    sessions: sessionmaker[Session],
    clock: Clock,
    leadership: Leadership | None = None,
) -> BaseScheduler:
    for job, every in _jobs():
        # The sweep's first run (a full one) at start: a scheduler that has been down, or a new
        # installation with its demo, shows its stalled pathways now, not after the first interval.
        # (APScheduler plans on the wall clock; the job itself reads the injected one.)
        # misfire_grace_time=None: run even when the scheduler starts more than a second late.
        first = (
            {"next_run_time": datetime.now(UTC), "misfire_grace_time": None} if job is sweep_stalled else {}
        )
        scheduler.add_job(
            _led(job, leadership) if leadership is not None else job,
            "interval",
            **every,
            **first,
            args=(sessions, clock),
            id=job.__name__,
            max_instances=1,
            coalesce=True,  # after downtime, one run catches up instead of a burst of runs
            replace_existing=True,
        )
    return scheduler


def _led(job: Callable[..., Any], leadership: Leadership) -> Callable[..., Any]:
    def run(sessions: sessionmaker[Session], clock: Clock) -> Any:
        if leadership.held():
            return job(sessions, clock)
        return None

    run.__name__ = job.__name__
    return run


def in_reloader_watcher() -> bool:
    """True in the process of `flask run` that only watches files (Werkzeug's reloader parent)."""
    return os.environ.get("FLASK_RUN_FROM_CLI") == "true" and os.environ.get("WERKZEUG_RUN_MAIN") != "true"


def start_scheduler(sessions: sessionmaker[Session], clock: Clock) -> BackgroundScheduler | None:
    """The in-process scheduler of `serve`; None where it must not run (reloader watcher)."""
    if in_reloader_watcher():
        return None
    engine = sessions.kw["bind"]
    scheduler = BackgroundScheduler(timezone="UTC")
    _configure(scheduler, sessions, clock, Leadership(engine))
    scheduler.start()
    return scheduler


def run_forever(sessions: sessionmaker[Session], clock: Clock) -> None:
    scheduler = BlockingScheduler(timezone="UTC")
    _configure(scheduler, sessions, clock)
    scheduler.start()
