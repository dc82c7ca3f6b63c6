"""Two real scheduler processes on PostgreSQL fire each due timer exactly once (FOR UPDATE SKIP LOCKED)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.persistence.models import Base, Pathway, PathwayEvent
from tests.integration.scheduler_child import FROZEN_NOW_ENV
from tests.integration.test_scheduler_jobs import _to_timer
from tests.support.library import publish_fixture, start

REPO = Path(__file__).resolve().parents[2]
PATHWAYS = 40


@pytest.fixture
def pg_sessions(postgres_template: str) -> Iterator[tuple[str, sessionmaker[Session]]]:
    engine = make_engine(postgres_template)
    with engine.begin() as conn:
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    yield postgres_template, session_factory(engine)
    engine.dispose()


def _spawn(url: str, ready: Path, go: Path, now: str) -> subprocess.Popen[str]:
    env = dict(os.environ, PYTHONPATH=f"{REPO}:{REPO / 'src'}", **{FROZEN_NOW_ENV: now})
    return subprocess.Popen(
        [sys.executable, "-m", "tests.integration.scheduler_child", url, str(ready), str(go)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
    )


@pytest.mark.postgres
@pytest.mark.slow
def test_two_scheduler_processes_fire_each_timer_exactly_once(pg_sessions, clock, tmp_path):
    url, sessions = pg_sessions
    publish_fixture(sessions, clock)
    ids = [start(sessions, clock) for _ in range(PATHWAYS)]
    for pathway_id in ids:
        _to_timer(sessions, clock, pathway_id)
    fire_at = clock.now() + timedelta(days=8)  # every 7-day timer is due
    go = tmp_path / "go"
    readies = [tmp_path / f"ready{i}" for i in range(2)]
    children = [_spawn(url, ready, go, fire_at.isoformat()) for ready in readies]
    deadline = time.monotonic() + 60
    while not all(ready.exists() for ready in readies) and time.monotonic() < deadline:
        time.sleep(0.01)
    go.write_text("go")
    results = []
    for child in children:
        out, _ = child.communicate(timeout=120)
        assert child.returncode == 0
        results.append(json.loads(out.strip().splitlines()[-1]))

    assert sum(r["advanced"] for r in results) == PATHWAYS
    assert all(r["failed"] == 0 for r in results)
    with sessions() as session:
        fired = dict(
            session.execute(
                select(PathwayEvent.pathway_id, func.count(PathwayEvent.id))
                .where(PathwayEvent.kind == "timer_fired")
                .group_by(PathwayEvent.pathway_id)
            ).all()
        )
        positions = set(session.scalars(select(Pathway.current_elements)))
    assert fired == dict.fromkeys(ids, 1)
    assert positions == {"Task_sortie"}
