"""A throwaway PostgreSQL cluster for tests and benchmarks (Debian's postgresql package).

PostgreSQL refuses to run as root, so when we are root the cluster runs as the `postgres` user. The
same code runs on a laptop and in CI. fsync is off: this cluster is for tests, never for data.

`shared_cluster(folder)` lets several processes (pytest-xdist workers) share one cluster: the first
to ask starts it, under a file lock in `folder`, and records it there; `stop_shared_cluster(folder)`
stops it once they are all done.
"""

from __future__ import annotations

import fcntl
import glob
import json
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

    def __init__(self, root: Path | None = None, port: int | None = None) -> None:
        """A new cluster; or, given the `root` and `port` of a running one, a handle to stop it."""
        self.bindir = _bindir()
        self.root = root or Path(tempfile.mkdtemp(prefix="parcours-pg-"))
        self.port = port or _free_port()
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
            "-c synchronous_commit=off -c full_page_writes=off -c max_connections=300"
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


STATE = "pg-cluster.json"


def shared_cluster(folder: Path) -> str:
    """The URL of the cluster of the processes sharing `folder`: the first one to ask starts it."""
    folder.mkdir(parents=True, exist_ok=True)
    state = folder / STATE
    with (folder / "pg-cluster.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if state.exists():
            return str(json.loads(state.read_text())["url"])
        cluster = Cluster()
        try:
            url = cluster.start()
        except Exception:
            cluster.stop()
            raise
        state.write_text(json.dumps({"root": str(cluster.root), "port": cluster.port, "url": url}))
        return url


def stop_shared_cluster(folder: Path) -> None:
    """Stop the cluster `shared_cluster(folder)` started, if any."""
    state = folder / STATE
    if not state.exists():
        return
    saved = json.loads(state.read_text())
    state.unlink()
    Cluster(Path(saved["root"]), int(saved["port"])).stop()


def _quote(value: str) -> str:
    return "'" + value.replace("'", "'\\''") + "'"
