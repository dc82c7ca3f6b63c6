"""Shared fixtures: a clock, and real databases (SQLite and PostgreSQL) migrated with Alembic.

`database_url` is parametrized over both backends for tests that use it. PostgreSQL runs in a
throwaway cluster started once per test session (tests/support/pgcluster.py), or at
$PARCOURS_TEST_POSTGRES_URL when given. If it cannot start, the PostgreSQL tests fail: never skip.
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
from tests.support.pgcluster import Cluster

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(datetime(2026, 1, 5, 9, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sqlite") / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    given = os.environ.get("PARCOURS_TEST_POSTGRES_URL")
    if given:
        yield given
        return
    cluster = Cluster()
    try:
        url = cluster.start()
    except Exception as exc:
        cluster.stop()
        pytest.fail(f"PostgreSQL could not start (install Debian's postgresql): {exc}", pytrace=False)
    try:
        yield url
    finally:
        cluster.stop()


@pytest.fixture(scope="session")
def postgres_template(postgres_server: str) -> str:
    """A migrated database reused by every PostgreSQL test (tables are emptied between tests)."""
    admin = make_engine(postgres_server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("DROP DATABASE IF EXISTS parcours_test"))
        conn.execute(text("CREATE DATABASE parcours_test"))
    admin.dispose()
    url = postgres_server.rsplit("/", 1)[0] + "/parcours_test"
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
