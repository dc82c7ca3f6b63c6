"""Shared fixtures: a clock, and real databases (SQLite and PostgreSQL) migrated with Alembic.

`database_url` is parametrized over both backends for tests that use it. PostgreSQL runs in a
throwaway cluster started once per test run (tests/support/pgcluster.py), or at
$PARCOURS_TEST_POSTGRES_URL when given. If it cannot start, the PostgreSQL tests fail: never skip.

Under pytest-xdist (`make pytest` runs `-n auto`) the workers share that one cluster: the first
worker that needs it starts it, each worker migrates a database of its own (`parcours_test_gw0`...),
and the controlling process stops the cluster when every worker is done.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.domain.clock import FrozenClock
from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.persistence.migrate import upgrade
from parcours_engine.persistence.models import Base
from tests.support.pgcluster import shared_cluster, stop_shared_cluster

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


WORKER = os.environ.get("PYTEST_XDIST_WORKER")  # gw0, gw1... in an xdist worker; None otherwise


def _run_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder of this test run: the basetemp, which an xdist worker's is a subfolder of."""
    basetemp = tmp_path_factory.getbasetemp()
    return basetemp.parent if WORKER else basetemp


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    given = os.environ.get("PARCOURS_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    folder = _run_folder(tmp_path_factory)
    try:
        url = shared_cluster(folder)
    except Exception as exc:
        pytest.fail(f"PostgreSQL could not start (install Debian's postgresql): {exc}", pytrace=False)
    try:
        yield url
    finally:
        if not WORKER:  # without xdist this process is the only user; with it, see pytest_sessionfinish
            stop_shared_cluster(folder)


def pytest_sessionfinish(session: pytest.Session) -> None:
    """The xdist controller stops the workers' shared cluster once they have all finished."""
    config = session.config
    if WORKER or getattr(config.option, "dist", "no") == "no":
        return
    factory: pytest.TempPathFactory = config._tmp_path_factory  # type: ignore[attr-defined]
    stop_shared_cluster(factory.getbasetemp())


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> str:
    """A migrated database reused by every PostgreSQL test of this process (tables are emptied
    between tests); each xdist worker has its own."""
    name = f"parcours_test_{WORKER or 'main'}"
    admin = make_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    admin.dispose()
    url = postgres_server.rsplit("/", 1)[0] + "/" + name
    upgrade(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        path = tmp_path / "test.sqlite3"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("postgres_template")
    engine = make_engine(url)
    with engine.begin() as conn:
        tables = ", ".join(t.name for t in Base.metadata.sorted_tables)
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return session_factory(engine)
