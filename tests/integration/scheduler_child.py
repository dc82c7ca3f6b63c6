"""Child process of test_scheduler_exactly_once: one scheduler firing due timers on a frozen clock.

Test-only entry point (never in src/): the parent passes the database in argv and the instant both
schedulers must believe it is in $PARCOURS_FROZEN_NOW (ISO 8601), so that parent and children agree on
which timers are due. Both children wait for the parent's go file, then fire concurrently.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.domain.clock import FrozenClock
from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.scheduler.jobs import fire_due_timers

FROZEN_NOW_ENV = "PARCOURS_FROZEN_NOW"


def at_the_start_line() -> tuple[FrozenClock, sessionmaker[Session]]:
    """The clock and sessions of a child (the database and the ready and go files in argv), once
    connected, the ready file written and the parent's go file seen (or a minute gone)."""
    url, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    clock = FrozenClock(datetime.fromisoformat(os.environ[FROZEN_NOW_ENV]))
    sessions = session_factory(make_engine(url))
    with sessions() as session:  # connect before the race starts
        session.connection()
    ready.write_text("ready")
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    return clock, sessions


def main() -> None:
    clock, sessions = at_the_start_line()
    advanced = failed = 0
    while True:  # like the job run every minute, until nothing is due
        run_advanced, run_failed = fire_due_timers(sessions, clock)
        advanced, failed = advanced + run_advanced, failed + run_failed
        if run_advanced == 0 and run_failed == 0:
            break
    print(json.dumps({"advanced": advanced, "failed": failed}))


if __name__ == "__main__":
    main()
