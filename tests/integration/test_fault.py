"""A process killed with SIGKILL in the middle of a transition leaves the database consistent."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO
from tests.support.library import publish_fixture, snapshot, start


def _spawn(database_url: str, pathway_id: int, marker: Path, mode: str) -> subprocess.Popen[bytes]:
    env = dict(os.environ, PYTHONPATH=f"{REPO}:{REPO / 'src'}")
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.integration.fault_child",
            database_url,
            str(pathway_id),
            str(marker),
            mode,
        ],
        cwd=REPO,
        env=env,
    )


def _wait_for(marker: Path, text: str, child: subprocess.Popen[bytes], timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if marker.exists() and marker.read_text() == text:
            return
        assert child.poll() is None, f"child exited early with {child.returncode}"
        time.sleep(0.01)
    raise AssertionError(f"child never reached {text!r}")


def _kill(child: subprocess.Popen[bytes]) -> None:
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=30)


@pytest.mark.slow
def test_kill_after_flush_before_commit_changes_nothing(database_url, sessions, clock, tmp_path):
    publish_fixture(sessions, clock)
    pathway_id = start(sessions, clock)
    before = snapshot(sessions, pathway_id)
    marker = tmp_path / "marker"
    child = _spawn(database_url, pathway_id, marker, "pause-after-flush")
    _wait_for(marker, "flushed", child)
    _kill(child)
    assert snapshot(sessions, pathway_id) == before


@pytest.mark.slow
def test_kill_at_random_moments_is_all_or_nothing(database_url, sessions, clock, tmp_path):
    publish_fixture(sessions, clock)
    rng = random.Random(7)
    for attempt in range(6):
        pathway_id = start(sessions, clock)
        before = snapshot(sessions, pathway_id)
        marker = tmp_path / f"marker-{attempt}"
        child = _spawn(database_url, pathway_id, marker, "random")
        _wait_for(marker, "started", child)
        time.sleep(rng.uniform(0.0, 0.4))  # somewhere inside loading, advancing, writing or committing
        _kill(child)
        after = snapshot(sessions, pathway_id)
        if after == before:
            continue
        # Otherwise the whole transition is there: new version, task done, next task open, state moved.
        assert after["version"] == before["version"] + 1
        assert after["current"] == "Task_diagnostic"
        assert [i[2] for i in after["items"]] == ["completed", "open"]
        assert after["state"] != before["state"]
