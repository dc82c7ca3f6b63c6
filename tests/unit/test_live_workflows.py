"""engine.live: a kept workflow comes back only for the state it was saved as, once; bounded."""

from __future__ import annotations

from typing import Any, cast

from parcours_engine.engine.live import LiveWorkflows

MODEL, OTHER_MODEL = cast(Any, object()), cast(Any, object())


def workflow() -> Any:
    return object()


def test_a_workflow_comes_back_once_for_the_state_it_was_saved_as():
    kept = LiveWorkflows()
    saved = workflow()
    kept.keep(7, MODEL, '{"a": 1}', "v1", saved, "what the host derived")
    assert kept.take(7, MODEL, '{"a": 1}', "v1") == (saved, "what the host derived")
    assert kept.take(7, MODEL, '{"a": 1}', "v1") is None  # taken: a second transition loads its own


def test_another_state_model_or_serializer_version_is_never_answered_with_the_kept_workflow():
    kept = LiveWorkflows()
    for state, model, version in (
        ('{"a": 2}', MODEL, "v1"),
        ('{"a": 1}', OTHER_MODEL, "v1"),
        ('{"a": 1}', MODEL, "v2"),
    ):
        kept.keep(7, MODEL, '{"a": 1}', "v1", workflow())
        assert kept.take(7, model, state, version) is None
        assert 7 not in kept  # a mismatch drops the entry: it can never match again


def test_the_least_recently_kept_go_first():
    kept = LiveWorkflows(size=2)
    for key in (1, 2, 3):
        kept.keep(key, MODEL, "{}", "v1", workflow())
    assert len(kept) == 2 and 1 not in kept and 3 in kept
