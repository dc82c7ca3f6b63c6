"""web.warm: a serving process parses its published models and freezes its start-up heap before the
first request (bench.pages measured full collections of ~100 ms every few requests without it)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from parcours_engine.pathways import models_cache
from parcours_engine.persistence.models import ProcessVersion
from parcours_engine.web.warm import warm_up


@pytest.fixture
def unfrozen() -> Iterator[None]:
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process's objects go back to the collector


def test_warm_up_parses_each_published_programme_then_freezes_the_heap(world, unfrozen, monkeypatch):
    monkeypatch.setattr(models_cache, "_cache", type(models_cache._cache)())
    with world.sessions() as session:
        published = {v.content_hash for v in session.query(ProcessVersion)}
    assert gc.get_freeze_count() == 0

    parsed = warm_up(world.app)

    assert parsed >= 1
    assert set(models_cache._cache) <= published and len(models_cache._cache) == parsed
    assert gc.get_freeze_count() > 10_000  # the modules, mappers and parsed specs alive at start-up
    client = world.app.test_client()
    assert client.get("/connexion").status_code == 200  # the app serves as before


def test_serve_starts_when_a_model_no_longer_parses(world, unfrozen, monkeypatch):
    """A version that fails to parse (say after a library upgrade) is skipped: only its pages fail."""
    monkeypatch.setattr(models_cache, "_cache", type(models_cache._cache)())
    real = models_cache.model_for
    broken = []

    def model_for(version):
        if not broken:
            broken.append(version.programme)
            raise ValueError("unparsable")
        return real(version)

    monkeypatch.setattr(models_cache, "model_for", model_for)
    with world.sessions() as session:
        programmes = {v.programme for v in session.query(ProcessVersion)}
    assert warm_up(world.app) == len(programmes) - 1
    assert gc.get_freeze_count() > 0


def test_serve_starts_on_a_database_not_migrated_yet(tmp_path, unfrozen):
    from parcours_engine.web import create_app

    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path}/empty.sqlite3", "SECRET_KEY": "t"})
    assert warm_up(app) == 0
