"""Should a transition run its model code before taking SQLite's write lock? (issue 13)

Today a write unit of work begins with `BEGIN IMMEDIATE` and holds the write lock while the model's
scripts run. Three ways for N processes, each moving pathways of its own (a read, model code, a
write of the state and its version counter), measured on a scratch SQLite file in WAL mode as the
host configures it:

- `immediate`: what the host does. `BEGIN IMMEDIATE`, read, model code, write, commit.
- `deferred`: `BEGIN` (a read snapshot), read, model code, write; when another writer committed
  since the snapshot, SQLite refuses the write at once (SQLITE_BUSY_SNAPSHOT) and the whole unit
  starts again. The lock is held only to write, but any commit anywhere makes the snapshot stale.
- `two-phase`: read and run the model code in a read transaction, then `BEGIN IMMEDIATE` and write
  only if the pathway's version counter is unchanged (else start again): a restart only when that
  same pathway moved.

"Model code" is CPU spent in Python (`--model-ms`). Prints transitions per second, the 95th
percentile of a transition's time, and restarts per transition, for 1, 4 and 16 processes.

Usage: python -m bench.sqlite_write_lock [--seconds 4] [--model-ms 5 200]
"""

from __future__ import annotations

import argparse
import multiprocessing
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path

PATHWAYS_PER_WORKER = 20
STATE = "x" * 4000  # a saved state of a few KB


def _connect(path: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=10, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA busy_timeout=10000")
    return conn


def _setup(path: str, workers: int) -> None:
    conn = _connect(path)
    conn.execute("CREATE TABLE pathway (id INTEGER PRIMARY KEY, version INTEGER, state TEXT)")
    rows = [(i, 0, STATE) for i in range(workers * PATHWAYS_PER_WORKER)]
    conn.executemany("INSERT INTO pathway VALUES (?, ?, ?)", rows)
    conn.close()


def _model_code(ms: float) -> None:
    end = time.process_time() + ms / 1000
    while time.process_time() < end:
        pass


def _immediate(conn: sqlite3.Connection, pathway: int, model_ms: float) -> int:
    conn.execute("BEGIN IMMEDIATE")
    (version,) = conn.execute("SELECT version FROM pathway WHERE id = ?", (pathway,)).fetchone()
    _model_code(model_ms)
    conn.execute("UPDATE pathway SET version = ?, state = ? WHERE id = ?", (version + 1, STATE, pathway))
    conn.execute("COMMIT")
    return 0


def _deferred(conn: sqlite3.Connection, pathway: int, model_ms: float) -> int:
    restarts = 0
    while True:
        conn.execute("BEGIN")
        (version,) = conn.execute("SELECT version FROM pathway WHERE id = ?", (pathway,)).fetchone()
        _model_code(model_ms)
        try:
            conn.execute(
                "UPDATE pathway SET version = ?, state = ? WHERE id = ?", (version + 1, STATE, pathway)
            )
            conn.execute("COMMIT")
            return restarts
        except sqlite3.OperationalError:  # SQLITE_BUSY_SNAPSHOT: someone committed since our read
            conn.execute("ROLLBACK")
            restarts += 1


def _two_phase(conn: sqlite3.Connection, pathway: int, model_ms: float) -> int:
    restarts = 0
    while True:
        conn.execute("BEGIN")
        (version,) = conn.execute("SELECT version FROM pathway WHERE id = ?", (pathway,)).fetchone()
        conn.execute("COMMIT")
        _model_code(model_ms)
        conn.execute("BEGIN IMMEDIATE")
        moved = conn.execute(
            "UPDATE pathway SET version = ?, state = ? WHERE id = ? AND version = ?",
            (version + 1, STATE, pathway, version),
        ).rowcount
        conn.execute("COMMIT")
        if moved:
            return restarts
        restarts += 1


STRATEGIES = {"immediate": _immediate, "deferred": _deferred, "two-phase": _two_phase}


def _worker(args: tuple[str, str, int, float, float]) -> tuple[int, int, list[float]]:
    path, strategy, worker, model_ms, seconds = args
    conn = _connect(path)
    run = STRATEGIES[strategy]
    done, restarts, times = 0, 0, []
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        pathway = worker * PATHWAYS_PER_WORKER + done % PATHWAYS_PER_WORKER
        started = time.monotonic()
        restarts += run(conn, pathway, model_ms)
        times.append(time.monotonic() - started)
        done += 1
    conn.close()
    return done, restarts, times


def measure(strategy: str, workers: int, model_ms: float, seconds: float) -> str:
    with tempfile.TemporaryDirectory() as folder:
        path = str(Path(folder) / "bench.sqlite3")
        _setup(path, workers)
        with multiprocessing.Pool(workers) as pool:
            results = pool.map(_worker, [(path, strategy, w, model_ms, seconds) for w in range(workers)])
    done = sum(r[0] for r in results)
    restarts = sum(r[1] for r in results)
    times = sorted(t for r in results for t in r[2])
    p95 = times[int(len(times) * 0.95) - 1] if times else float("nan")
    median = statistics.median(times) if times else float("nan")
    return (
        f"{strategy:>10} {workers:>2} processes, model {model_ms:>5.0f} ms: {done / seconds:7.1f} transitions/s, "
        f"median {median * 1000:7.1f} ms, p95 {p95 * 1000:7.1f} ms, {restarts / max(done, 1):5.2f} restarts each"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4)
    parser.add_argument("--model-ms", type=float, nargs="+", default=[5, 200])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 4, 16])
    args = parser.parse_args()
    for model_ms in args.model_ms:
        for workers in args.workers:
            for strategy in STRATEGIES:  # interleaved: the machine's load drifts during a run
                print(measure(strategy, workers, model_ms, args.seconds), flush=True)


if __name__ == "__main__":
    main()
