"""Engine throughput: raw SpiffWorkflow vs parcours-engine with real persistence.

Runs the reference programme of the test library (6 wait states: 5 user tasks, one inside a call
activity, and a 7-day timer) to its end, many times, and prints instances per second for:

  raw-memory      SpiffWorkflow alone, in memory, its default script engine      (the baseline)
  raw-json        the same with SpiffWorkflow's own JSON save + load at each wait (spec embedded)
  engine-memory   our runtime in memory: restricted scripts, injected clock
  engine-json     our runtime with save + load at each wait, spec by reference
  sqlite          parcours-engine services, one committed unit of work per step, SQLite (WAL, NORMAL)
  postgresql      the same on a throwaway PostgreSQL cluster (fsync and synchronous_commit off: for
                  comparing code paths, not durability), one connection
  postgresql-N    N worker processes doing the same at once on that cluster (--workers, default 4)

An instance is 7 transitions (a start, 5 completions, a timer); each persisted transition is one unit
of work as a request makes it: the client knows the task's id (read here by a column query, so the
unit starts with nothing loaded), the service reads, advances, writes and the unit commits once.

Goals (issue 16), each printed with its figure, its baseline from the same run and met / not met:
sqlite >= 0.5x raw-memory; postgresql >= 0.25x raw-memory; postgresql-N >= 1.8x postgresql.
The verdict is on throughput; the ratio of the best (least disturbed) instances is printed beside
it: on a machine busy with other work the throughput ratios swing several-fold, the best-instance
ratio much less.

Usage: python -m bench.engine_throughput [--seconds 3] [--rounds 1] [--no-postgres] [--workers 4]
                                         [--only sqlite,postgresql]   (raw-memory always runs)
"""

from __future__ import annotations

import argparse
import itertools
import multiprocessing
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session
from tests.support.library import FIXTURE_LIBRARY

from parcours_engine.domain.clock import FrozenClock
from parcours_engine.engine import script_helpers, timers
from parcours_engine.engine.loader import load_library, read_library_dir
from parcours_engine.engine.runtime import Runtime
from parcours_engine.pathways import beneficiaries, pathways
from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.persistence.migrate import upgrade
from parcours_engine.persistence.models import WorkItem
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.studio.publishing import publish_library

ANSWERS: dict[str, dict[str, object]] = {
    "Task_accueil": {"date_accueil": "2026-01-06", "orientation": "interne"},
    "Task_diagnostic": {"besoin_formation": True, "diviseur": 2},
    "Task_suivre_formation": {"date_entretien": "2026-01-06"},
    "Task_bilan": {"date_entretien": "2026-01-06"},
    "Task_sortie": {"issue": "cdi"},
}

BPMN, FORMS = read_library_dir(FIXTURE_LIBRARY / "processes", FIXTURE_LIBRARY / "forms")
MODEL = load_library(BPMN, FORMS).programmes["reference"]


def _raw_engine() -> PythonScriptEngine:
    clock = FrozenClock()
    helpers = {name: getattr(script_helpers, name) for name in ("iso", "add_months", "parse_date")}
    helpers["today"] = lambda: clock.now().date()
    # Raw SpiffWorkflow evaluates timers as Python: the model's unquoted `P7D` becomes this name.
    helpers["P7D"] = "P7D"
    return PythonScriptEngine(environment=TaskDataEnvironment(helpers))


def run_raw(save_load: bool) -> None:
    clock = FrozenClock()
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
    engine = _raw_engine()
    workflow = BpmnWorkflow(MODEL.spec, MODEL.subprocess_specs, script_engine=engine)
    with timers.using_clock(clock):
        workflow.do_engine_steps()
        while not workflow.is_completed():
            if save_load:
                workflow = serializer.deserialize_json(serializer.serialize_json(workflow))
                workflow.script_engine = engine
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if ready:
                task = ready[0]
                task.data.update(ANSWERS[task.task_spec.bpmn_id])
                task.run()
            else:
                clock.advance(days=8)
                workflow.refresh_timers()
            workflow.do_engine_steps()


RUNTIME = Runtime()


def run_engine(save_load: bool) -> None:
    clock = FrozenClock()
    workflow = RUNTIME.start(MODEL, {"date_naissance": "2004-03-01"}, clock)
    while not workflow.is_completed():
        if save_load:
            state, version = Runtime.dump(workflow)
            workflow = RUNTIME.load(MODEL, state, version)
        ready = Runtime.ready_tasks(workflow)
        if ready:
            RUNTIME.complete(workflow, ready[0].task_id, ANSWERS[ready[0].element_id], clock)
        else:
            clock.advance(days=8)
            RUNTIME.fire_timers(workflow, clock)


TRANSITIONS_PER_INSTANCE = 7  # start, 5 completions, 1 timer


# Built once, as a client's query would be prepared: a statement built per call costs more than the
# query itself.
_OPEN_ITEM = (
    select(WorkItem.id, WorkItem.element_id)
    .where(WorkItem.pathway_id == bindparam("pathway_id"), WorkItem.status == "open")
    .order_by(WorkItem.id)
    .limit(1)
)


def _open_item(session: Session, pathway_id: int) -> tuple[int, str]:
    """The open task's id and element, as a client knows them (columns only: nothing gets loaded)."""
    row = session.execute(_OPEN_ITEM, {"pathway_id": pathway_id}).one()
    return row.id, row.element_id


_NUMBERS = itertools.count()  # file numbers, unique per process whatever the runners


def persisted_runner(url: str, publish: bool = True) -> Callable[[], None]:
    if publish:
        upgrade(url)
    sessions = session_factory(make_engine(url))
    clock = FrozenClock()
    if publish:
        with unit_of_work(sessions) as session:
            publish_library(session, clock, BPMN, FORMS, "bench")

    def begin() -> int:
        # The file number is given: the service's own (count + 1) scans the table, and concurrent
        # workers would take the same one (a 409 for all but one); neither is a transition's cost.
        with unit_of_work(sessions) as session:
            person = beneficiaries.create_beneficiary(
                session,
                clock,
                last_name="Bench",
                first_name="Run",
                birth_date=date(2004, 3, 1),
                sex="F",
                identifier=f"B-{os.getpid()}-{next(_NUMBERS)}",
            )
            return pathways.start_pathway(session, clock, "reference", person.id, "bench").id

    def run() -> None:
        pathway_id = begin()
        with sessions() as session:
            item_id, element_id = _open_item(session, pathway_id)
        while True:
            completed = element_id
            with unit_of_work(sessions) as session:
                pathways.complete_work_item(session, clock, item_id, ANSWERS[completed], "bench")
                if completed == "Task_sortie":
                    return
                if completed != "Task_bilan":
                    item_id, element_id = _open_item(session, pathway_id)
            if completed == "Task_bilan":  # its timer fires in a unit of its own, as the scheduler does
                with unit_of_work(sessions) as session:
                    clock.advance(timedelta(days=8))
                    pathways.fire_timers(session, clock, pathway_id)
                    item_id, element_id = _open_item(session, pathway_id)

    return run


GOALS = {"sqlite": 0.5, "postgresql": 0.25}  # × raw-memory (issue 16)
CONCURRENCY_GOAL = 1.8  # postgresql-N × postgresql with one connection (issue 16)


# (instances per second, median ms per instance, best ms per instance). The best instance is the one
# least disturbed by other work on the machine: its ratio is the steadier figure on a busy machine.
Figures = tuple[float, float, float]


def measure(run: Callable[[], None], seconds: float) -> Figures:
    """The figures of about `seconds` of repeated runs."""
    run()  # warm caches
    durations: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(durations) < 20:
        start = time.perf_counter()
        run()
        durations.append(time.perf_counter() - start)
    return len(durations) / sum(durations), statistics.median(durations) * 1000, min(durations) * 1000


def _worker(url: str, ready: Any, seconds: float) -> tuple[int, float, list[float]]:
    """One of N processes: warm up, wait for the others at `ready`, then run instances for `seconds`."""
    timers.install_clock()
    run = persisted_runner(url, publish=False)
    run()
    ready.wait()
    durations: list[float] = []
    start = time.perf_counter()
    while time.perf_counter() < start + seconds or not durations:
        begin = time.perf_counter()
        run()
        durations.append(time.perf_counter() - begin)
    return len(durations), time.perf_counter() - start, durations


def measure_concurrent(url: str, workers: int, seconds: float) -> Figures:
    """The figures of `workers` processes at once (instances per second over all of them)."""
    context = multiprocessing.get_context("spawn")  # no connection shared with the parent
    with context.Manager() as manager, ProcessPoolExecutor(workers, mp_context=context) as pool:
        ready = manager.Barrier(workers)  # all warmed up before any measures
        results = list(pool.map(_worker, [url] * workers, [ready] * workers, [seconds] * workers))
    count = sum(done for done, _elapsed, _durations in results)
    elapsed = max(elapsed for _done, elapsed, _durations in results)
    durations = [duration for _done, _elapsed, part in results for duration in part]
    return count / elapsed, statistics.median(durations) * 1000, min(durations) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0, help="per variant and round")
    parser.add_argument("--rounds", type=int, default=1, help="rounds (interleaved); medians printed")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--workers", type=int, default=4, help="processes of postgresql-N (0: none)")
    parser.add_argument("--only", default="", help="comma-separated variants (raw-memory always runs)")
    args = parser.parse_args()
    timers.install_clock()
    only = {name for name in args.only.split(",") if name}
    concurrent = f"postgresql-{args.workers}"

    def wanted(name: str) -> bool:
        return name == "raw-memory" or not only or name in only

    figures: dict[str, list[Figures]] = {}
    runs: list[tuple[str, Callable[[], Figures]]] = [
        (name, lambda run=run: measure(run, args.seconds))  # type: ignore[misc]
        for name, run in (
            ("raw-memory", lambda: run_raw(False)),
            ("raw-json", lambda: run_raw(True)),
            ("engine-memory", lambda: run_engine(False)),
            ("engine-json", lambda: run_engine(True)),
        )
        if wanted(name)
    ]
    with tempfile.TemporaryDirectory() as tmp:
        if wanted("sqlite"):
            sqlite = persisted_runner(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")
            runs.append(("sqlite", lambda: measure(sqlite, args.seconds)))
        cluster = None
        postgres = not args.no_postgres and (wanted("postgresql") or (args.workers and wanted(concurrent)))
        try:
            if postgres:
                from tests.support.pgcluster import Cluster

                cluster = Cluster()
                url = cluster.start()
                one = persisted_runner(url)
                if wanted("postgresql"):
                    runs.append(("postgresql", lambda: measure(one, args.seconds)))
                if args.workers and wanted(concurrent):
                    runs.append((concurrent, lambda: measure_concurrent(url, args.workers, args.seconds)))
            for _round in range(args.rounds):
                for name, measured in runs:
                    figures.setdefault(name, []).append(measured())
        finally:
            if cluster is not None:
                cluster.stop()
    report(figures, concurrent)


def report(figures: dict[str, list[Figures]], concurrent: str) -> None:
    """The table (medians over the rounds) and each goal beside its baseline from the same run."""
    rows = {
        name: tuple(statistics.median(f[column] for f in found) for column in range(3))
        for name, found in figures.items()
    }
    baseline, _median, best_baseline = rows["raw-memory"]
    load = " ".join(f"{value:.2f}" for value in os.getloadavg())
    print(f"{os.cpu_count()} cores, load average at the end {load} (other work on the machine skews figures)")
    print(
        f"{'variant':<15} {'instances/s':>12} {'transitions/s':>14} {'median ms':>10} {'best ms':>8} "
        f"{'× raw-memory':>13} {'best × raw':>11}"
    )
    for name, (per_second, median_ms, best_ms) in rows.items():
        persisted = name == "sqlite" or name.startswith("postgresql")
        transitions = f"{per_second * TRANSITIONS_PER_INSTANCE:>14.1f}" if persisted else f"{'':>14}"
        print(
            f"{name:<15} {per_second:>12.1f} {transitions} {median_ms:>10.2f} {best_ms:>8.2f} "
            f"{per_second / baseline:>13.3f} {best_baseline / best_ms:>11.3f}"
        )
    goals = [(name, goal, "raw-memory") for name, goal in GOALS.items()]
    goals.append((concurrent, CONCURRENCY_GOAL, "postgresql"))
    for name, goal, base in goals:
        if name not in rows or base not in rows:
            continue
        figure, against = rows[name][0], rows[base][0]
        verdict = "met" if figure / against >= goal else "not met"
        best = f", best instance {rows[base][2] / rows[name][2]:.3f}×" if base == "raw-memory" else ""
        print(
            f"goal: {name} >= {goal}× {base}: {figure:.1f} against {against:.1f} instances/s "
            f"= {figure / against:.3f}× ({verdict}{best})"
        )


if __name__ == "__main__":
    main()
