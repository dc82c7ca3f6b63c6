"""SpiffArena's backend over HTTP: one client completing user tasks, measured on this machine now.

What it measures: the user-task completions per second (and their p50/p95 latency) that one client
gets from SpiffArena's backend (spiffworkflow-backend, github sartography/spiff-arena) when it
submits one task after another through the backend's REST API, with the request the frontend sends
when a person submits a task form: `PUT /v1.0/tasks/<process_instance_id>/<task_guid>` with the
form's data as JSON. Each completion is one transition: a user task done, the process instance run
to its next user task, the next task answered. bench.http_load compares its own one-client figure
(`POST /api/v1/work-items/<id>/complete`, also one transition) with this one.

How, given `--source DIR` (or env SPIFFARENA_SRC), a checkout of spiff-arena's
`spiffworkflow-backend` folder (SpiffArena is not on PyPI as a backend; its code is never copied
into this repository):

1. A virtualenv of its own (--venv, env SPIFFARENA_VENV, default /tmp/spiffarena-venv; reused when
   it was completed before) gets the backend's dependencies from its pyproject.toml, from PyPI,
   pinned to the versions of its uv.lock, with these differences (printed at install time):
   - mysqlclient and psycopg2 are left out: MySQL and PostgreSQL drivers that compile against
     their client libraries, unused on SQLite;
   - spiffworkflow-connector-command is not on PyPI (its uv.lock takes it from git): the backend
     imports one TypedDict from it (CommandErrorDict, a base class of its service-task error
     dict), so the venv gets a two-field stand-in module; no service task runs here;
   - SpiffWorkflow is taken from PyPI at 3.2.0 (its uv.lock takes the library's git main; 3.2.0
     is the release parcours-engine runs too).
   Then the backend itself: `pip install --no-deps -e DIR`.
2. It configures the backend on SQLite (SPIFFWORKFLOW_BACKEND_DATABASE_TYPE=sqlite, a database
   file in a temporary folder), its local_development environment (the admin account of its
   permissions file local_development.yml) with log level info, its built-in "internal" OpenID
   provider (the auth config its bin/local_development_environment_setup exports), no
   background scheduler, no celery; runs its migrations (`flask db upgrade`); and starts it the
   way its bin/boot_server_in_docker does: gunicorn with one uvicorn worker on
   spiff_web_server:asgi_app.
3. Over HTTP, as the admin: a token from the internal OpenID provider (password grant, as its
   bin/get_token), `login_with_access_token`; a process group and a process model whose BPMN is a
   start event, a chain of --chain user tasks (each with a one-field JSON-schema form) and an end
   event; then (not timed) process instances created and run to their first user task.
4. One client (one keep-alive connection) completes the tasks one after another, each instance's
   chain in turn (each answer names the next task): --warm-up completions first, then --count
   completions timed.

It prints `spiffarena-http 1 client: X transitions/s, p50 Y ms, p95 Z ms` and, with --json FILE,
writes {"per_second": X, "p50_ms": Y, "p95_ms": Z, "count": N, ...}. The client shares the machine
with the server: on 2 cores the figure is the whole system's, as bench.http_load's.

Usage: python -m bench.spiffarena --source DIR [--count 200] [--warm-up 20] [--chain 5] [--json FILE]
"""

from __future__ import annotations

import argparse
import base64
import http.client
import itertools
import json
import math
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_VENV = "/tmp/spiffarena-venv"  # noqa: S108  (a throwaway venv, outside the repository)
INSTALLED_STAMP = ".bench-spiffarena-installed"
# Left out of the backend's dependencies, and why (see the module docstring).
LEFT_OUT = {
    "mysqlclient": "MySQL driver, compiles against libmysqlclient; unused on SQLite",
    "psycopg2": "PostgreSQL driver, compiles against libpq; unused on SQLite",
    "spiffworkflow-connector-command": "not on PyPI; a stand-in module gives the one TypedDict imported",
}
SPIFFWORKFLOW_PIN = "spiffworkflow==3.2.0"
CONNECTOR_STAND_IN = '''"""Stand-in written by parcours-engine's bench.spiffarena: the package is not on PyPI and the
backend imports only this TypedDict from it (a base class of its service-task error dict)."""

from typing import TypedDict


class CommandErrorDict(TypedDict):
    error_code: str
    message: str
'''
# The backend's internal OpenID provider: the client id and secret its local development setup and
# bin/get_token use, and the password grant's code it expects.
CLIENT_ID = "spiffworkflow-backend"
CLIENT_SECRET = "JXeQExm0JhQPLumgHtIIqf52bDalHz0q"  # noqa: S105  (SpiffArena's published local-dev secret)
USERNAME = PASSWORD = "admin"  # noqa: S105  (local_development.yml's admin account)
GROUP, MODEL = "bench", "bench/task-chain"
FORM = {
    "title": "Step",
    "type": "object",
    "required": ["answer"],
    "properties": {"answer": {"type": "string", "title": "Answer"}},
}


@dataclass
class Measurement:
    latencies: list[float] = field(default_factory=list)  # seconds, each timed completion
    seconds: float = 0.0

    @property
    def per_second(self) -> float:
        return len(self.latencies) / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))] * 1000

    def line(self) -> str:
        return (
            f"spiffarena-http 1 client: {self.per_second:.1f} transitions/s, "
            f"p50 {self.percentile(0.5):.1f} ms, p95 {self.percentile(0.95):.1f} ms"
        )


# -- installation -----------------------------------------------------------------------------------


def _requirements(source: Path) -> tuple[list[str], list[str]]:
    """The backend's dependencies less LEFT_OUT, and constraints: its uv.lock's PyPI versions."""
    project = tomllib.loads((source / "pyproject.toml").read_text())
    requirements = []
    for requirement in project["project"]["dependencies"]:
        name = re.match(r"[A-Za-z0-9_.-]+", requirement)
        if name and name.group(0).lower().replace("_", "-") not in LEFT_OUT:
            requirements.append(requirement)
    constraints = [SPIFFWORKFLOW_PIN]
    lock = source / "uv.lock"
    if lock.exists():
        for package in tomllib.loads(lock.read_text()).get("package", []):
            if "registry" in package.get("source", {}) and package["name"] != "spiffworkflow":
                constraints.append(f"{package['name']}=={package['version']}")
    return requirements, constraints


def install(source: Path, venv: Path) -> None:
    """The backend and its dependencies in `venv`, unless a previous run completed it."""
    if (venv / INSTALLED_STAMP).exists():
        return
    python = shutil.which("python3.11") or sys.executable
    print(f"installing SpiffArena's backend into {venv} (once; reused afterwards)", flush=True)
    for name, why in LEFT_OUT.items():
        print(f"  left out: {name} ({why})")
    print(f"  pinned: {SPIFFWORKFLOW_PIN} (its uv.lock takes SpiffWorkflow from git)", flush=True)
    subprocess.run([python, "-m", "venv", str(venv)], check=True)
    pip = [str(venv / "bin" / "python"), "-m", "pip", "--disable-pip-version-check", "--quiet"]
    requirements, constraints = _requirements(source)
    with tempfile.TemporaryDirectory(prefix="spiffarena-pip-") as tmp:
        (Path(tmp) / "requirements.txt").write_text("\n".join([*requirements, "gunicorn"]) + "\n")
        (Path(tmp) / "constraints.txt").write_text("\n".join(constraints) + "\n")
        subprocess.run(
            [*pip, "install", "-r", f"{tmp}/requirements.txt", "-c", f"{tmp}/constraints.txt"], check=True
        )
    subprocess.run([*pip, "install", "--no-deps", "-e", str(source)], check=True)
    site = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    stand_in = Path(site) / "spiffworkflow_connector_command"
    stand_in.mkdir(exist_ok=True)
    (stand_in / "__init__.py").write_text("")
    (stand_in / "command_interface.py").write_text(CONNECTOR_STAND_IN)
    (venv / INSTALLED_STAMP).write_text(f"{source}\n")


# -- the server -------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def backend_env(workdir: Path, port: int) -> dict[str, str]:
    """SQLite, the internal OpenID provider, log level info, no background scheduler nor celery."""
    base = f"http://127.0.0.1:{port}"  # the issuer of its tokens: the address the client calls
    return dict(
        os.environ,
        SPIFFWORKFLOW_BACKEND_ENV="local_development",
        SPIFFWORKFLOW_BACKEND_DATABASE_TYPE="sqlite",
        SPIFFWORKFLOW_BACKEND_DATABASE_URI=f"sqlite:///{workdir / 'spiffarena.sqlite3'}",
        SPIFFWORKFLOW_BACKEND_BPMN_SPEC_ABSOLUTE_DIR=str(workdir / "process_models"),
        SPIFFWORKFLOW_BACKEND_URL=base,
        SPIFFWORKFLOW_BACKEND_PORT=str(port),
        SPIFFWORKFLOW_BACKEND_LOG_LEVEL="info",
        SPIFFWORKFLOW_BACKEND_RUN_BACKGROUND_SCHEDULER_IN_CREATE_APP="false",
        SPIFFWORKFLOW_BACKEND_CELERY_ENABLED="false",
        SPIFFWORKFLOW_BACKEND_SERVER_WORKER_COUNT="1",
        SPIFFWORKFLOW_BACKEND_AUTH_CONFIGS__0__identifier="default",
        SPIFFWORKFLOW_BACKEND_AUTH_CONFIGS__0__label="internal openid",
        SPIFFWORKFLOW_BACKEND_AUTH_CONFIGS__0__uri=f"{base}/openid",
        SPIFFWORKFLOW_BACKEND_AUTH_CONFIGS__0__client_id=CLIENT_ID,
        SPIFFWORKFLOW_BACKEND_AUTH_CONFIGS__0__client_secret=CLIENT_SECRET,
        FLASK_SESSION_SECRET_KEY=secrets.token_hex(16),
        FLASK_APP="app.py",
        FLASK_DEBUG="0",
    )


@contextmanager
def server(source: Path, venv: Path, workdir: Path) -> Iterator[int]:
    """Migrate a fresh SQLite database and run gunicorn (one uvicorn worker); yields its port."""
    port = _free_port()
    env = backend_env(workdir, port)
    models = workdir / "process_models"
    models.mkdir()
    git = shutil.which("git")
    if git:  # as its boot script: the process models folder is a git work tree
        subprocess.run([git, "init", "--quiet", str(models)], check=True)
    log = workdir / "spiffarena.log"
    with log.open("wb") as out:
        migrated = subprocess.run(
            [str(venv / "bin" / "flask"), "db", "upgrade"],
            cwd=source,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    if migrated.returncode != 0:
        raise SystemExit(f"SpiffArena's migrations failed:\n{log.read_text()[-4000:]}")
    command = [
        str(venv / "bin" / "gunicorn"),
        "--bind", f"127.0.0.1:{port}", "--workers", "1",
        "--worker-class", "uvicorn_worker.UvicornWorker", "--timeout", "90",
        "--no-control-socket", "--log-level", "warning",
        "spiff_web_server:asgi_app",
    ]  # fmt: skip
    with log.open("ab") as out:
        child = subprocess.Popen(command, cwd=source, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while True:
            if child.poll() is not None:
                raise SystemExit(f"SpiffArena's server stopped:\n{log.read_text()[-4000:]}")
            try:
                if _request(port, "GET", "/v1.0/status")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(
                    f"SpiffArena's server did not answer within 120 s:\n{log.read_text()[-4000:]}"
                )
            time.sleep(0.25)
        yield port
    finally:
        child.terminate()
        try:
            child.wait(timeout=15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


# -- HTTP -------------------------------------------------------------------------------------------


def _request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    connection: http.client.HTTPConnection | None = None,
) -> tuple[int, Any]:
    own = connection is None
    conn = connection or http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        conn.request(method, path, body, headers or {})
        response = conn.getresponse()
        raw = response.read()
    finally:
        if own:
            conn.close()
    try:
        return response.status, json.loads(raw) if raw else None
    except ValueError:
        return response.status, raw.decode(errors="replace")


class Client:
    """The admin's requests, with its bearer token, over one keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.token = self._token()
        self.call("POST", "/v1.0/login_with_access_token?authentication_identifier=default")

    def _token(self) -> str:
        basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
        form = urllib.parse.urlencode(
            {
                "grant_type": "password",
                "code": f"{USERNAME}:this_is_not_secure_do_not_use_in_production",
                "username": USERNAME,
                "password": PASSWORD,
                "client_id": CLIENT_ID,
            }
        ).encode()
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Authorization": f"Basic {basic}"}
        status, answer = _request(self.port, "POST", "/openid/token", form, headers)
        if status != 200 or not isinstance(answer, dict) or "access_token" not in answer:
            raise SystemExit(f"SpiffArena's internal OpenID token request failed: {status} {answer}")
        return str(answer["access_token"])

    def call(self, method: str, path: str, payload: Any = None, expect: tuple[int, ...] = (200, 201)) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"}
        body = None
        if payload is not None:
            body = json.dumps(payload).encode()
            headers["Content-Type"] = "application/json"
        status, answer = _request(self.port, method, path, body, headers, self.connection)
        if status not in expect:
            raise SystemExit(f"SpiffArena {method} {path}: {status} {str(answer)[:2000]}")
        return answer

    def upload(self, model: str, name: str, content: bytes, mimetype: str) -> None:
        boundary = secrets.token_hex(12)
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                f"Content-Type: {mimetype}\r\n\r\n"
            ).encode()
            + content
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {
            "Authorization": f"Bearer {self.token}",
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        }
        path = f"/v1.0/process-models/{model.replace('/', ':')}/files"
        status, answer = _request(self.port, "POST", path, body, headers, self.connection)
        if status not in (200, 201):
            raise SystemExit(f"SpiffArena upload of {name}: {status} {str(answer)[:2000]}")


def chain_bpmn(steps: int, process_id: str = "Process_bench_task_chain") -> str:
    """A start event, `steps` user tasks in a row (each with form.json), an end event."""
    nodes = ["start", *[f"step_{n}" for n in range(1, steps + 1)], "end"]
    flows, elements = (
        [],
        ['<bpmn:startEvent id="start"><bpmn:outgoing>flow_0</bpmn:outgoing></bpmn:startEvent>'],
    )
    for n, (source, target) in enumerate(itertools.pairwise(nodes)):
        flows.append(f'<bpmn:sequenceFlow id="flow_{n}" sourceRef="{source}" targetRef="{target}" />')
    for n in range(1, steps + 1):
        elements.append(
            f'<bpmn:userTask id="step_{n}" name="Step {n}"><bpmn:extensionElements><spiffworkflow:properties>'
            '<spiffworkflow:property name="formJsonSchemaFilename" value="form.json" />'
            "</spiffworkflow:properties></bpmn:extensionElements>"
            f"<bpmn:incoming>flow_{n - 1}</bpmn:incoming><bpmn:outgoing>flow_{n}</bpmn:outgoing></bpmn:userTask>"
        )
    elements.append(f'<bpmn:endEvent id="end"><bpmn:incoming>flow_{steps}</bpmn:incoming></bpmn:endEvent>')
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
        'xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core" '
        'id="Definitions_bench" targetNamespace="http://bpmn.io/schema/bpmn">\n'
        f'<bpmn:process id="{process_id}" name="Bench task chain" isExecutable="true">\n'
        + "\n".join(elements + flows)
        + "\n</bpmn:process>\n</bpmn:definitions>\n"
    )


def create_model(client: Client, steps: int) -> None:
    group = {"id": GROUP, "display_name": GROUP, "description": "bench", "display_order": 0, "admin": False}
    client.call("POST", "/v1.0/process-groups", group, expect=(201,))
    model = {
        "id": MODEL,
        "display_name": "Bench task chain",
        "description": "bench.spiffarena",
        "fault_or_suspend_on_exception": "fault",
        "exception_notification_addresses": [],
    }
    client.call("POST", f"/v1.0/process-models/{GROUP}", model, expect=(201,))
    client.upload(MODEL, "form.json", json.dumps(FORM).encode(), "application/json")
    client.upload(MODEL, "chain.bpmn", chain_bpmn(steps).encode(), "text/xml")
    client.call(
        "PUT",
        f"/v1.0/process-models/{MODEL.replace('/', ':')}",
        {**model, "primary_file_name": "chain.bpmn", "primary_process_id": "Process_bench_task_chain"},
        expect=(200,),
    )


def start_instances(client: Client, count: int) -> list[tuple[int, str]]:
    """`count` process instances run to their first user task: (instance id, that task's guid)."""
    modified = MODEL.replace("/", ":")
    started = []
    for _ in range(count):
        instance = client.call("POST", f"/v1.0/process-instances/{modified}")["id"]
        client.call("POST", f"/v1.0/process-instances/{modified}/{instance}/run?execution_mode=synchronous")
        progress = client.call("GET", f"/v1.0/tasks/progress/{instance}")
        task = progress.get("task") if isinstance(progress, dict) else None
        if not task:
            raise SystemExit(f"SpiffArena instance {instance} has no user task after its run: {progress}")
        started.append((int(instance), str(task["id"])))
    return started


def complete_chains(client: Client, started: list[tuple[int, str]], warm_up: int, count: int) -> Measurement:
    """Complete tasks one after another (each answer names the instance's next task); the first
    `warm_up` completions untimed, the next `count` timed."""
    result = Measurement()
    done = 0
    began = 0.0
    for instance, first in started:
        task: str | None = first
        while task is not None and done < warm_up + count:
            if done == warm_up:
                began = time.perf_counter()
            sent = time.perf_counter()
            answer = client.call(
                "PUT", f"/v1.0/tasks/{instance}/{task}", {"answer": f"done {done}"}, expect=(200,)
            )
            elapsed = time.perf_counter() - sent
            if done >= warm_up:
                result.latencies.append(elapsed)
            done += 1
            ready = isinstance(answer, dict) and answer.get("state") == "READY"
            same = isinstance(answer, dict) and answer.get("process_instance_id") == instance
            task = str(answer["id"]) if ready and same and "User" in str(answer.get("type")) else None
        if done >= warm_up + count:
            break
    result.seconds = time.perf_counter() - began
    if len(result.latencies) < count:
        raise SystemExit(f"only {len(result.latencies)} of {count} completions: fewer tasks than expected")
    return result


def measure(source: Path, venv: Path, count: int = 200, warm_up: int = 20, chain: int = 5) -> Measurement:
    """Install (once), serve, prepare and measure; the server is stopped before returning."""
    source = source.resolve()
    if not (source / "pyproject.toml").exists() or not (source / "spiff_web_server.py").exists():
        raise SystemExit(
            f"{source} is not a spiffworkflow-backend checkout (no pyproject.toml, spiff_web_server.py)"
        )
    install(source, venv)
    with (
        tempfile.TemporaryDirectory(prefix="spiffarena-bench-") as tmp,
        server(source, venv, Path(tmp)) as port,
    ):
        client = Client(port)
        create_model(client, chain)
        started = start_instances(client, math.ceil((warm_up + count) / chain))
        return complete_chains(client, started, warm_up, count)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--source", default=os.environ.get("SPIFFARENA_SRC"), help="spiffworkflow-backend checkout"
    )
    parser.add_argument("--venv", default=os.environ.get("SPIFFARENA_VENV", DEFAULT_VENV))
    parser.add_argument("--count", type=int, default=200, help="timed completions")
    parser.add_argument("--warm-up", type=int, default=20, help="completions before timing")
    parser.add_argument("--chain", type=int, default=5, help="user tasks in a row per process instance")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    args = parser.parse_args()
    if not args.source:
        parser.error("--source DIR or env SPIFFARENA_SRC: a spiffworkflow-backend checkout")
    result = measure(Path(args.source), Path(args.venv), args.count, args.warm_up, args.chain)
    print(result.line())
    if args.json:
        args.json.write_text(
            json.dumps(
                {
                    "per_second": round(result.per_second, 2),
                    "p50_ms": round(result.percentile(0.5), 1),
                    "p95_ms": round(result.percentile(0.95), 1),
                    "count": len(result.latencies),
                    "warm_up": args.warm_up,
                    "chain": args.chain,
                    "clients": 1,
                },
                indent=2,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
