"""Child process of test_appointment_messages: one scheduler sending appointments' messages.

Test-only entry point (never in src/): the database in argv, the instant in $PARCOURS_FROZEN_NOW, the
SMTP server in $PARCOURS_SMTP_*; it waits for the parent's go file, then runs the job until nothing is
left and prints how many messages it sent.
"""

from __future__ import annotations

import json

from parcours_engine.scheduler.jobs import send_appointment_messages
from tests.integration.scheduler_child import at_the_start_line


def main() -> None:
    clock, sessions = at_the_start_line()
    sent = 0
    for _ in range(3):  # like the job run every minute
        sent += send_appointment_messages(sessions, clock) or 0
    print(json.dumps({"sent": sent}))


if __name__ == "__main__":
    main()
