"""The command line as a user runs it: exit codes and messages."""

from __future__ import annotations

import shutil

from click.testing import CliRunner
from sqlalchemy import func, select

from parcours_engine.cli import main
from parcours_engine.demo.workspace import DEMO_ACCOUNTS
from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.persistence.models import Account, Pathway, ProcessVersion
from tests.support.library import FIXTURE_LIBRARY


def _run(*args: str, url: str | None = None):
    runner = CliRunner()
    prefix = ["--database-url", url] if url else []
    return runner.invoke(main, [*prefix, *args], catch_exceptions=False)


def test_check_passes_on_a_good_library():
    result = _run("processes", "check", str(FIXTURE_LIBRARY / "processes"))
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output


def test_check_fails_with_file_line_element_message(tmp_path):
    library = tmp_path / "lib"
    shutil.copytree(FIXTURE_LIBRARY, library)
    path = library / "processes" / "reference.bpmn"
    path.write_text(path.read_text().replace("ratio = 10 / diviseur", "import os"))
    result = _run("processes", "check", str(library / "processes"))
    assert result.exit_code == 1
    line = next(text for text in result.output.splitlines() if "Script_calcul" in text)
    assert line.startswith("reference.bpmn:")
    assert ": Script_calcul: " in line and "import" in line


def test_publish_demo_and_upgrade_are_idempotent(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert _run("db", "upgrade", url=url).exit_code == 0
    assert _run("db", "upgrade", url=url).exit_code == 0
    first = _run("processes", "publish", str(FIXTURE_LIBRARY / "processes"), url=url)
    assert "reference v1 published" in first.output
    again = _run("processes", "publish", str(FIXTURE_LIBRARY / "processes"), url=url)
    assert "reference v1 unchanged" in again.output
    loaded = _run("demo", "load", "--people", "12", url=url)
    assert "demo data loaded" in loaded.output, loaded.output
    assert "already loaded" in _run("demo", "load", url=url).output
    with session_factory(make_engine(url))() as session:
        assert session.scalar(select(func.count(ProcessVersion.id))) == 1
        assert session.scalar(select(func.count(Account.id))) == len(DEMO_ACCOUNTS)
        assert session.scalar(select(func.count(Pathway.id))) >= 10


def test_publish_refuses_a_broken_library_and_stores_nothing(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    _run("db", "upgrade", url=url)
    library = tmp_path / "lib"
    shutil.copytree(FIXTURE_LIBRARY, library)
    (library / "forms" / "ref_suivi.schema.json").unlink()
    result = _run("processes", "publish", str(library / "processes"), url=url)
    assert result.exit_code == 1
    assert "ref_suivi.schema.json" in result.output
    with session_factory(make_engine(url))() as session:
        assert session.scalar(select(func.count(ProcessVersion.id))) == 0


def test_export_writes_a_version_back_as_a_library_that_checks(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    _run("db", "upgrade", url=url)
    _run("processes", "publish", str(FIXTURE_LIBRARY / "processes"), url=url)
    result = _run("processes", "export", "reference", str(tmp_path / "out"), url=url)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "out" / "processes" / "blocs" / "formation.bpmn").read_bytes() == (
        FIXTURE_LIBRARY / "processes" / "blocs" / "formation.bpmn"
    ).read_bytes()
    checked = _run("processes", "check", str(tmp_path / "out" / "processes"))
    assert checked.exit_code == 0 and "0 errors" in checked.output


def test_migrate_dry_run_shows_the_mapping_and_refuses_unknown_actors(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    _run("db", "upgrade", url=url)
    _run("processes", "publish", str(FIXTURE_LIBRARY / "processes"), url=url)
    _run("demo", "load", "--people", "3", url=url)
    dry = _run(
        "pathways",
        "migrate",
        "reference",
        "--from-version",
        "1",
        "--actor",
        "coordination",
        "--dry-run",
        url=url,
    )
    assert dry.exit_code == 1  # the pathways are already on the latest version: a clear refusal
    assert "already on version 1" in dry.output
    unknown = _run("pathways", "migrate", "reference", "--pathway", "1", "--actor", "nobody", url=url)
    assert unknown.exit_code == 1 and "no account 'nobody'" in unknown.output


def test_a_refused_command_says_why_in_french_or_english_never_a_traceback(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    assert _run("db", "upgrade", url=url).exit_code == 0
    monkeypatch.delenv("PARCOURS_LANG", raising=False)
    monkeypatch.setenv("LANG", "fr_FR.UTF-8")
    french = CliRunner().invoke(main, ["--database-url", url, "incidents", "retry", "424242"])
    assert french.exit_code == 1 and "Traceback" not in french.output
    assert "incident" in french.output.lower() and "n'existe" in french.output
    monkeypatch.setenv("PARCOURS_LANG", "en")
    english = CliRunner().invoke(main, ["--database-url", url, "incidents", "retry", "424242"])
    assert english.exit_code == 1 and "does not exist" in english.output
