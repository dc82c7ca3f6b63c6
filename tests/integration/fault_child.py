"""Child process of test_fault: completes one task and is SIGKILLed by the parent.

With `--pause-after-flush`, it flushes the transition's writes (uncommitted), tells the parent, then
waits to be killed: the worst moment for a crash. Without it, the parent kills it at a random moment.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from parcours_engine.domain.clock import FrozenClock
from parcours_engine.pathways import projection
from parcours_engine.persistence.db import make_engine, session_factory
from tests.support.library import complete_open


def main() -> None:
    url, pathway_id, marker, mode = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]), sys.argv[4]
    if mode == "pause-after-flush":
        original = projection.save

        def save_then_hang(*args: Any, **kwargs: Any) -> None:
            original(*args, **kwargs)
            args[0].flush()  # the writes are in the database, uncommitted
            marker.write_text("flushed")
            time.sleep(120)

        projection.save = save_then_hang  # type: ignore[assignment]
    else:
        marker.write_text("started")
    sessions = session_factory(make_engine(url))
    clock = FrozenClock()
    complete_open(sessions, clock, pathway_id, {"date_accueil": "2026-01-06", "orientation": "interne"})
    marker.write_text("committed")
    time.sleep(120)


if __name__ == "__main__":
    main()
