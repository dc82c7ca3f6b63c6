"""Parsed programme versions, cached by content hash.

A published version never changes, so its parsed spec can be shared by every pathway on it; parsing
costs milliseconds, loading a pathway a fraction of that. The cache is per process and bounded.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from parcours_engine.engine.loader import ProcessModel, load_programme
from parcours_engine.engine.runtime import Runtime
from parcours_engine.persistence.models import ProcessVersion

_MAX_VERSIONS = 256
_lock = threading.Lock()
_cache: OrderedDict[str, ProcessModel] = OrderedDict()
_runtime: Runtime | None = None


def runtime() -> Runtime:
    """The process-wide runtime (one restricted script engine shared by all workflows)."""
    global _runtime
    if _runtime is None:
        _runtime = Runtime(outcome_key="issue")  # every programme ends with its `issue` (processes/README.md)
    return _runtime


def model_for(version: ProcessVersion) -> ProcessModel:
    """The parsed model of a stored version."""
    with _lock:
        model = _cache.get(version.content_hash)
        if model is not None:
            _cache.move_to_end(version.content_hash)
            return model
    files = {path: text.encode() for path, text in json.loads(version.files_json).items()}
    forms = {name: text.encode() for name, text in json.loads(version.forms_json).items()}
    model = load_programme(files, forms, version.programme)
    with _lock:
        _cache[version.content_hash] = model
        while len(_cache) > _MAX_VERSIONS:
            _cache.popitem(last=False)
    return model


def remember(version: ProcessVersion, model: ProcessModel) -> None:
    """Seed the cache with a model just parsed for publishing."""
    with _lock:
        _cache[version.content_hash] = model
