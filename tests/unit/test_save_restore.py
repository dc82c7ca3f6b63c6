"""Property: at every step of a random walk, saving and restoring a workflow changes nothing."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parcours_engine.domain.clock import FrozenClock
from parcours_engine.engine.loader import load_library, read_library_dir
from parcours_engine.engine.runtime import EngineFailure, Runtime
from parcours_engine.studio.sample_data import sample_form_data

REPO = Path(__file__).resolve().parents[2]
LIBRARIES = [REPO / "tests" / "fixtures" / "library"]
if (REPO / "processes").is_dir() and any((REPO / "processes").glob("*.bpmn")):
    LIBRARIES.append(REPO)

_runtime = Runtime()


def _programmes() -> list:
    found = []
    for root in LIBRARIES:
        bpmn, forms = read_library_dir(root / "processes", root / "forms")
        found.extend(load_library(bpmn, forms).programmes.values())
    return sorted(found, key=lambda m: m.process_id)


PROGRAMMES = _programmes()
START_DATA = {
    "date_naissance": "2004-03-01",
    "sexe": "F",
    "niveau_qualification": "V",
    "quartier_prioritaire": False,
    "departement": "03",
    "territoire": "vichy",
    "ase": True,
    "mna": False,
    "programme_code": "x",
}


def _observable(workflow) -> tuple:
    ready = sorted((t.task_id, t.element_id) for t in Runtime.ready_tasks(workflow))
    positions = sorted((p.element_id, p.state) for p in Runtime.positions(workflow))
    data = json.dumps(workflow.data, sort_keys=True, default=str)
    return ready, positions, data, workflow.is_completed(), Runtime.next_due(workflow)


def _round_trip(model, workflow):
    state, version = Runtime.dump(workflow)
    restored = _runtime.load(model, state, version)
    assert Runtime.dump(restored)[0] == state
    assert _observable(restored) == _observable(workflow)
    return restored


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    programme=st.sampled_from(PROGRAMMES),
    seed=st.integers(0, 2**32 - 1),
    steps=st.lists(st.sampled_from(["task", "task", "task", "time"]), min_size=1, max_size=25),
)
def test_save_and_restore_at_every_step_is_identity(programme, seed, steps):
    rng = random.Random(seed)
    clock = FrozenClock()
    workflow = _round_trip(programme, _runtime.start(programme, START_DATA, clock))
    for step in steps:
        if workflow.is_completed():
            break
        ready = Runtime.ready_tasks(workflow)
        try:
            if step == "time" or not ready:
                clock.advance(timedelta(days=rng.choice([1, 7, 31, 200])))
                _runtime.fire_timers(workflow, clock)
            else:
                task = rng.choice(ready)
                meta = programme.elements.get(task.element_id)
                schema = json.loads(programme.forms[meta.form]) if meta and meta.form else {}
                data = sample_form_data(schema, rng, clock.now().date())
                _runtime.complete(workflow, task.task_id, data, clock)
        except EngineFailure:
            return  # a model refusing random data (e.g. the test model's division) ends the walk
        workflow = _round_trip(programme, workflow)
