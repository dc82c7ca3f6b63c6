"""`parcours-engine users create|token|tokens|revoke-token|list`."""

from __future__ import annotations

from datetime import timedelta

from click.testing import CliRunner
from sqlalchemy import select

from parcours_engine.accounts import tokens
from parcours_engine.cli import main
from parcours_engine.domain.clock import FrozenClock, SystemClock
from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.persistence.migrate import upgrade
from parcours_engine.persistence.models import ApiToken


def test_create_token_and_list(tmp_path):
    url = f"sqlite:///{tmp_path / 'users.sqlite3'}"
    upgrade(url)
    runner = CliRunner()

    def run(*args, stdin=None):
        return runner.invoke(
            main, ["--database-url", url, "users", *args], input=stdin, catch_exceptions=False
        )

    created = run(
        "create", "karim", "--role", "counsellor", "--structure", "ml_vichy", "--team", "referent",
        "--routing-code", "csp_mna_vichy", "--password-stdin", stdin="un-mot-de-passe-long\n",
    )  # fmt: skip
    assert created.exit_code == 0, created.output
    assert run("create", "karim", "--role", "counsellor", "--password-stdin", stdin="x\n").exit_code == 1
    token = run("token", "karim").output.strip()
    assert len(token) >= 40
    assert run("token", "nobody").exit_code == 1
    listed = run("list").output
    assert "karim\tcounsellor\tml_vichy\treferent\tcsp_mna_vichy\tactive" in listed
    with session_factory(make_engine(url))() as session:
        account = tokens.account_for(session, SystemClock(), token)
        assert account is not None and account.username == "karim"
        stored = session.scalars(select(ApiToken.token_hash)).all()
        assert stored and token not in stored  # stored hashed


def test_tokens_are_listed_and_revoked_and_expire(tmp_path):
    url = f"sqlite:///{tmp_path / 'tokens.sqlite3'}"
    upgrade(url)
    runner = CliRunner()

    def run(*args, stdin=None):
        return runner.invoke(
            main, ["--database-url", url, "users", *args], input=stdin, catch_exceptions=False
        )

    assert (
        run("create", "lea", "--role", "admin", "--password-stdin", stdin="un-mot-de-passe-long\n").exit_code
        == 0
    )
    first = run("token", "lea", "--label", "export", "--days", "30").output.strip()
    second = run("token", "lea").output.strip()
    assert run("token", "lea", "--days", "9999").exit_code == 2  # bounded: a token always expires
    listed = run("tokens", "lea").output.splitlines()
    assert len(listed) == 2 and all(line.endswith("in force") for line in listed)
    export_id = next(line.split("\t")[0] for line in listed if "\texport\t" in line)
    revoked = run("revoke-token", export_id)
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert any(line.endswith("revoked") for line in run("tokens", "lea").output.splitlines())
    assert run("revoke-token", "99999").exit_code == 1
    with session_factory(make_engine(url))() as session:
        now = SystemClock().now()
        assert tokens.account_for(session, SystemClock(), first) is None  # revoked
        assert tokens.account_for(session, SystemClock(), second) is not None
        later = FrozenClock(now + timedelta(days=tokens.DEFAULT_DAYS, minutes=1))
        assert tokens.account_for(session, later, second) is None  # expired
