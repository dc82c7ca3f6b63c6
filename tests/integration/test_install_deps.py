"""tools/install-deps.sh, which `make test`, `make run` and `.ci/run` call: on a bare machine it names
exactly the missing Debian packages and installs them (here through a stand-in apt-get that records
what it was asked), or says the one command to run; on a complete machine it does nothing."""

from __future__ import annotations

import glob
import os
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

SCRIPT = REPO / "tools" / "install-deps.sh"
HAS_POSTGRES = bool(glob.glob("/usr/lib/postgresql/*/bin/initdb"))


@pytest.fixture
def machine(tmp_path: Path) -> Path:
    """A PATH with only `id` and an `apt-get` that writes its arguments to apt.log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "id").symlink_to("/usr/bin/id")
    apt = bin_dir / "apt-get"
    apt.write_text(f'#!/bin/sh\necho "$@" >> {tmp_path / "apt.log"}\n')
    apt.chmod(0o755)
    return tmp_path


def _run(machine: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {"PATH": str(machine / "bin"), "HOME": str(machine), **env}
    return subprocess.run(
        ["/bin/bash", str(SCRIPT), *args],
        env=environ,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def _executable(path: Path, body: str) -> str:
    path.write_text(f"#!/bin/sh\n{body}\n")
    path.chmod(0o755)
    return str(path)


def test_a_bare_machine_gets_exactly_the_missing_packages(machine: Path) -> None:
    expected = "python3.11 python3.11-venv nodejs npm" + ("" if HAS_POSTGRES else " postgresql") + " chromium"
    bare = {"PYTHON": "/nonexistent/python3.11", "CHROMIUM": "/nonexistent/chromium"}

    dry = _run(machine, "--dry-run", "test", **bare)
    assert not (machine / "apt.log").exists()  # a dry run changes nothing
    real = _run(machine, "test", **bare)
    if os.geteuid() == 0:
        assert dry.returncode == 0 and f"apt-get install -y {expected}" in dry.stdout
        assert real.returncode == 0, real.stderr
        assert (machine / "apt.log").read_text().splitlines() == ["update -qq", f"install -y -qq {expected}"]
    else:  # no sudo on this PATH: stop at once with the one command
        for result in (dry, real):
            assert result.returncode == 1
            assert f"sudo apt-get update && sudo apt-get install -y {expected}" in result.stderr
        assert not (machine / "apt.log").exists()


def test_make_run_needs_only_python_its_venv_and_npm(machine: Path) -> None:
    no_venv = _executable(machine / "python3.11", "exit 1")  # Python there, `import ensurepip` fails
    result = _run(machine, "--dry-run", "run", PYTHON=no_venv, CHROMIUM="/nonexistent/chromium")
    assert "python3.11-venv nodejs npm" in result.stdout + result.stderr
    assert "chromium" not in result.stdout + result.stderr


def test_a_complete_machine_is_left_alone(machine: Path) -> None:
    python = _executable(machine / "python3.11", "exit 0")
    _executable(machine / "bin" / "npm", "exit 0")
    chromium = _executable(machine / "chromium", "exit 0")
    result = _run(machine, "run", PYTHON=python, CHROMIUM=chromium)
    assert result.returncode == 0 and result.stdout == result.stderr == ""
    assert not (machine / "apt.log").exists()
    if HAS_POSTGRES:
        assert _run(machine, "test", PYTHON=python, CHROMIUM=chromium).returncode == 0
        assert not (machine / "apt.log").exists()
