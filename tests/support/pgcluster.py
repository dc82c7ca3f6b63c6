"""A throwaway PostgreSQL cluster for tests and benchmarks (Debian's postgresql package).

PostgreSQL refuses to run as root, so when we are root the cluster runs as the `postgres` user. The
same code runs on a laptop and in CI. fsync is off: this cluster is for tests, never for data.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


class ClusterError(RuntimeError):
    pass


def _bindir() -> Path:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(Path(p).parent.name))
    if not candidates:
        raise ClusterError("PostgreSQL server binaries not found: apt-get install postgresql")
    return Path(candidates[-1])


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Cluster:
    """initdb + pg_ctl start in a temporary directory; `stop()` removes everything."""

    def __init__(self) -> None:
        self.bindir = _bindir()
        self.root = Path(tempfile.mkdtemp(prefix="parcours-pg-"))
        self.port = _free_port()
        self.as_postgres = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = [str(a) for a in args]
        if self.as_postgres:
            command = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(_quote(c) for c in command)]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
        if result.returncode != 0:
            raise ClusterError(f"{' '.join(args[:2])} failed: {result.stdout}{result.stderr}")

    def start(self) -> str:
        if self.as_postgres:
            shutil.chown(self.root, user="postgres")
        data, log = self.root / "data", self.root / "log"
        self._run(self.bindir / "initdb", "-D", data, "-A", "trust", "-U", "postgres", "-E", "UTF8")
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=100"
        )
        self._run(self.bindir / "pg_ctl", "-D", data, "-l", log, "-o", options, "-w", "start")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self.url("postgres")
            time.sleep(0.1)
        raise ClusterError(f"PostgreSQL did not accept connections; see {log}")

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        try:
            self._run(self.bindir / "pg_ctl", "-D", self.root / "data", "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"
