"""Engine throughput: raw SpiffWorkflow vs parcours-engine with real persistence.

Runs the reference programme of the test library (6 wait states: 5 user tasks, one inside a call
activity, and a 7-day timer) to its end, many times, and prints instances per second for:

  raw-memory      SpiffWorkflow alone, in memory, its default script engine      (the baseline)
  raw-json        the same with SpiffWorkflow's own JSON save + load at each wait (spec embedded)
  engine-memory   our runtime in memory: restricted scripts, injected clock
  engine-json     our runtime with save + load at each wait, spec by reference
  sqlite          parcours-engine services, one committed unit of work per step, SQLite (WAL, NORMAL)
  postgresql      the same on a throwaway PostgreSQL cluster (fsync off: for comparing code paths)

Goals (issue 16), ratios to raw-memory measured in the same run: sqlite >= 0.5, postgresql >= 0.25.

Usage: python -m bench.engine_throughput [--seconds 3] [--no-postgres]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState
from tests.support.library import FIXTURE_LIBRARY, open_item

from parcours_engine.domain.clock import FrozenClock
from parcours_engine.engine import script_helpers, timers
from parcours_engine.engine.loader import load_library, read_library_dir
from parcours_engine.engine.runtime import Runtime
from parcours_engine.pathways import beneficiaries, pathways
from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.persistence.migrate import upgrade
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.studio.publishing import publish_library

ANSWERS = {
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


def persisted_runner(url: str) -> Callable[[], None]:
    upgrade(url)
    sessions = session_factory(make_engine(url))
    clock = FrozenClock()
    with unit_of_work(sessions) as session:
        publish_library(session, clock, BPMN, FORMS, "bench")

    def run() -> None:
        with unit_of_work(sessions) as session:
            person = beneficiaries.create_beneficiary(
                session, clock, last_name="Bench", first_name="Run", birth_date=date(2004, 3, 1), sex="F"
            )
            pathway_id = pathways.start_pathway(session, clock, "reference", person.id, "bench").id
        for _ in range(6):
            with unit_of_work(sessions) as session:
                item = open_item(session, pathway_id)
                pathways.complete_work_item(session, clock, item.id, ANSWERS[item.element_id], "bench")
                if item.element_id == "Task_bilan":
                    clock.advance(timedelta(days=8))
                    pathways.fire_timers(session, clock, pathway_id)
                if item.element_id == "Task_sortie":
                    return

    return run


GOALS = {"sqlite": 0.5, "postgresql": 0.25}  # × raw-memory (issue 16)


def measure(run: Callable[[], None], seconds: float) -> tuple[float, float]:
    """(instances per second, median ms per instance) over about `seconds` of repeated runs."""
    run()  # warm caches
    durations: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(durations) < 20:
        start = time.perf_counter()
        run()
        durations.append(time.perf_counter() - start)
    return len(durations) / sum(durations), statistics.median(durations) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    timers.install_clock()

    rows: list[tuple[str, float, float]] = []
    runs: list[tuple[str, Callable[[], None]]] = [
        ("raw-memory", lambda: run_raw(False)),
        ("raw-json", lambda: run_raw(True)),
        ("engine-memory", lambda: run_engine(False)),
        ("engine-json", lambda: run_engine(True)),
    ]
    with tempfile.TemporaryDirectory() as tmp:
        runs.append(("sqlite", persisted_runner(f"sqlite:///{Path(tmp) / 'bench.sqlite3'}")))
        cluster = None
        if not args.no_postgres:
            from tests.support.pgcluster import Cluster

            cluster = Cluster()
            runs.append(("postgresql", persisted_runner(cluster.start())))
        try:
            for name, run in runs:
                per_second, median_ms = measure(run, args.seconds)
                rows.append((name, per_second, median_ms))
        finally:
            if cluster is not None:
                cluster.stop()

    baseline = rows[0][1]
    print(f"{'variant':<15} {'instances/s':>12} {'median ms':>10} {'× raw-memory':>13}")
    for name, per_second, median_ms in rows:
        print(f"{name:<15} {per_second:>12.1f} {median_ms:>10.2f} {per_second / baseline:>13.3f}")
    for name, per_second, _median_ms in rows:
        if name in GOALS:
            ratio, goal = per_second / baseline, GOALS[name]
            verdict = "met" if ratio >= goal else "not met"
            print(f"goal: {name} >= {goal}× raw-memory: {ratio:.3f}× ({verdict})")


if __name__ == "__main__":
    main()
