"""Scheduler jobs. Thin: each calls a service inside its own unit of work.

`start_scheduler` runs the jobs in a background thread of the current process (`serve`, embedded
default); `run_forever` is the standalone `parcours-engine scheduler` process for deployments with
several web processes. Due timers are claimed row by row (`FOR UPDATE SKIP LOCKED` on PostgreSQL),
so several schedulers never fire one timer twice.
"""

from __future__ import annotations

import logging

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.base import BaseScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import ParcoursError
from parcours_engine.persistence.db import unit_of_work
from parcours_engine.services.timers import fire_one_due

log = logging.getLogger(__name__)

TIMER_INTERVAL_SECONDS = 60
MAX_FIRINGS_PER_RUN = 500  # leave the rest to the next run rather than hold the job for long


def fire_due_timers(sessions: sessionmaker[Session], clock: Clock) -> tuple[int, int]:
    """Fire due timers pathway by pathway; (advanced, incidents)."""
    advanced = failed = 0
    for _ in range(MAX_FIRINGS_PER_RUN):
        try:
            with unit_of_work(sessions) as session:
                pathway_id = fire_one_due(session, clock)
        except ParcoursError as error:
            # The unit of work rolled back and recorded an incident; move on to the next pathway.
            failed += 1
            log.warning("timer firing failed: %s", error)
            continue
        if pathway_id is None:
            break
        advanced += 1
    return advanced, failed


def _configure(scheduler: BaseScheduler, sessions: sessionmaker[Session], clock: Clock) -> BaseScheduler:
    scheduler.add_job(
        fire_due_timers,
        "interval",
        seconds=TIMER_INTERVAL_SECONDS,
        args=(sessions, clock),
        id="fire_due_timers",
        max_instances=1,
        coalesce=True,  # after downtime, one run catches up instead of a burst of runs
        replace_existing=True,
    )
    return scheduler


def start_scheduler(sessions: sessionmaker[Session], clock: Clock) -> BackgroundScheduler:
    scheduler = BackgroundScheduler(timezone="UTC")
    _configure(scheduler, sessions, clock)
    scheduler.start()
    return scheduler


def run_forever(sessions: sessionmaker[Session], clock: Clock) -> None:
    scheduler = BlockingScheduler(timezone="UTC")
    _configure(scheduler, sessions, clock)
    scheduler.start()
