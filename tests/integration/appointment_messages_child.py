"""Child process of test_appointment_messages: one scheduler sending appointments' messages.

Test-only entry point (never in src/): the database in argv, the instant in $PARCOURS_FROZEN_NOW, the
SMTP server in $PARCOURS_SMTP_*; it waits for the parent's go file, then runs the job until nothing is
left and prints how many messages it sent.
"""

from __future__ import annotations

import json
import os
import sys
import time
from datetime import datetime
from pathlib import Path

from parcours_engine.domain.clock import FrozenClock
from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.scheduler.jobs import send_appointment_messages
from tests.integration.scheduler_child import FROZEN_NOW_ENV


def main() -> None:
    url, ready, go = sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])
    clock = FrozenClock(datetime.fromisoformat(os.environ[FROZEN_NOW_ENV]))
    sessions = session_factory(make_engine(url))
    with sessions() as session:  # connect before the race starts
        session.connection()
    ready.write_text("ready")
    deadline = time.monotonic() + 60
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    sent = 0
    for _ in range(3):  # like the job run every minute
        sent += send_appointment_messages(sessions, clock) or 0
    print(json.dumps({"sent": sent}))


if __name__ == "__main__":
    main()
