"""SpiffWorkflow's structural errors, located in the model's files and said the way a modeller can
act on them (a catalogue code): SpiffWorkflow's own messages carry no line."""

from __future__ import annotations

import re
from collections.abc import Mapping

from parcours_engine.domain.errors import ModelProblem
from parcours_engine.engine.script_messages import library_words
from parcours_engine.engine.xml import DOCUMENT, Document

_TOO_DEEP = "maximum recursion depth exceeded"
_DATA_STORE = re.compile(r"Data Store with name (.*) has no implementation")


def _data_store_problem(doc: Document, name: str) -> ModelProblem:
    """SpiffWorkflow names the data store but gives no line: find it by its (whitespace-folded) name."""
    for store in doc.elements("bpmn:dataStore", "bpmn:dataStoreReference"):
        if " ".join((store.get("name") or store.get("id") or "").split()) == name:
            return doc.problem(store, "check.data_store", store=repr(name))
    return doc.problem(DOCUMENT, "check.data_store", store=repr(name))


def _friendly(message: str) -> str:
    """SpiffWorkflow's structural messages, said the way a modeller can act on them (a catalogue code)."""
    known = {
        "No start event found": "check.no_start_event",
        "Non-default exclusive outgoing sequence flow without condition": "check.flow_without_condition",
        "Multiple outgoing flows are not supported for tasks of type": "check.several_flows",
        "There is no support implemented for this task type.": "check.unsupported_type",
    }
    if message.startswith("Process ") and message.endswith("is not executable."):
        return "check.not_executable"
    return known.get(message, message)  # one SpiffWorkflow says no other way: its own words


def spiff_problem(exc: Exception, doc: Document, element: str, docs: Mapping[str, Document]) -> ModelProblem:
    """Locate a SpiffWorkflow error ourselves: its structural errors carry no line."""
    from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException

    text = " ".join(str(exc.args[0] if exc.args else exc).split())  # one line, whatever the names hold
    if _TOO_DEEP in text or isinstance(exc, RecursionError):
        return doc.problem(getattr(exc, "id", None) or element, "check.chain_too_long")
    if not isinstance(exc, ValidationException):
        return doc.problem(
            element, "check.spiff_unreadable", detail=library_words("spiff", f"{type(exc).__name__}: {text}")
        )
    located = docs.get(exc.file_name, doc)
    store = _DATA_STORE.fullmatch(text)
    if store is not None:
        return _data_store_problem(located, store.group(1))
    return located.problem(exc.id or element, _friendly(text))
