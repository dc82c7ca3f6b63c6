"""Workflows kept alive between the transitions of one process, so a transition skips the load.

Rebuilding a workflow from its saved state is the largest part of a transition after the database
(issue 16). A workflow advanced and saved by this process is kept with the exact state it was saved
as; the next transition of the same pathway takes it back only if the state it read from the
database is that very state (same text, same serializer version, same parsed model). Whatever wrote
in between (another process, a migration, a rolled-back unit) shows as a different state: the
workflow is then loaded as usual. Taking removes the entry: a transition that fails half-way never
gives back its half-advanced workflow, and two threads never share one. Bounded, least recently used
first out; per process, never shared.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable

from SpiffWorkflow.bpmn import BpmnWorkflow

from parcours_engine.engine.loader import ProcessModel

_Entry = tuple[ProcessModel, str, str, BpmnWorkflow, object]


class LiveWorkflows:
    """At most `size` workflows, each with the model, state and serializer version it was saved as."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()

    def take(
        self, key: Hashable, model: ProcessModel, state: str, serializer_version: str
    ) -> tuple[BpmnWorkflow, object] | None:
        """The workflow kept under `key` and what was kept with it, if it was saved as `state` for
        `model`, else None; either way nothing stays kept under `key`."""
        with self._lock:
            entry = self._entries.pop(key, None)
        if entry is None:
            return None
        kept_model, kept_state, kept_version, workflow, extra = entry
        if kept_model is not model or kept_version != serializer_version or kept_state != state:
            return None
        return workflow, extra

    def keep(
        self,
        key: Hashable,
        model: ProcessModel,
        state: str,
        serializer_version: str,
        workflow: BpmnWorkflow,
        extra: object = None,
    ) -> None:
        """Keep `workflow`, just saved as `state`, for the next transition under `key`, with `extra`
        (what the host derived from it, given back with it)."""
        with self._lock:
            self._entries[key] = (model, state, serializer_version, workflow, extra)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._entries


# The process's workflows kept alive, keyed by pathway id (pathways.pathways).
WORKFLOWS = LiveWorkflows()
