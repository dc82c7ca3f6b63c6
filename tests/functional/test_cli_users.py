"""`parcours-engine users create|token|list`."""

from __future__ import annotations

from click.testing import CliRunner

from parcours_engine.accounts import accounts
from parcours_engine.cli import main
from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.persistence.migrate import upgrade


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
        account = accounts.account_for_token(session, token)
        assert account is not None and account.username == "karim"
        assert account.api_token_hash != token  # stored hashed
