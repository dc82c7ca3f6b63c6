"""Every page's server time at 200,000 pathways with the demo structure's data (issue 16, "Studio and
pages"; issue 15's walk speed).

Builds an SQLite database as the demo does (processes/ and forms/ published, the demo accounts, people
and pathways, run through the services), then adds `--pathways` pathways (200,000 by default) in the
demo structure with the generator of bench/supervision.py (people, pathways, open tasks, waiting
positions and idle periods, bulk Core inserts): their referents are the demo's three counsellors (a
caseload each, beside their demo pathways) and as many more counsellors as a caseload of ~55 needs.
Their ids start at `OFFSET`, so the pages measured for one pathway, one person or one task are demo
ones, whose engine state is real.

Then each role of tests/e2e/test_walk.py signs in through Flask's test client and the pages of its
`PAGES` list are found as the walk finds them: the landing page and the menus first, then, for each
kind of page with an id, a link of that kind on a page already read (a demo one when there is one).
Each page is asked `--runs` times after one warm-up; the figures are the app's own Server-Timing
(`app`: wall time of view, rendering and commit; `cpu`: the request thread's CPU time), p50 and p95,
against issue 16's goal (< 100 ms) and beside a baseline measured in the same run: the sign-in page
(a template, no query of the data).

Usage: python -m bench.pages [--pathways N] [--runs 7] [--people 60] [--keep DIR] [--only ROLE ...]
       [--page SUBSTRING ...]

--keep DIR keeps the SQLite file between runs (loading takes minutes): a later run with the same DIR
and count reuses it, after upgrading the schema to the current head and analysing again.
"""

from __future__ import annotations

import argparse
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, func, select, text
from tests.e2e.test_walk import PAGES, ROLES, SKIPPED, Role, page_key, programme_codes

from bench import supervision as generator
from parcours_engine.accounts import accounts
from parcours_engine.demo import workspace
from parcours_engine.demo.passports import DEMO_PORTAL_CODE, PORTAL_PEOPLE
from parcours_engine.demo.workspace import DEMO_PASSWORD, DEMO_STRUCTURE, load_demo
from parcours_engine.domain.clock import FrozenClock
from parcours_engine.domain.names import name_key
from parcours_engine.engine.loader import read_library_dir
from parcours_engine.passport import portal
from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.persistence.migrate import upgrade
from parcours_engine.persistence.models import (
    Account,
    Beneficiary,
    IdlePeriod,
    Pathway,
    ProcessVersion,
    Structure,
    WaitingElement,
    WorkItem,
)
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.studio.publishing import publish_library
from parcours_engine.web import create_app
from parcours_engine.web.warm import warm_up

REPO = Path(__file__).resolve().parent.parent
GOAL_MS = 100.0  # issue 16: every page's server time under 100 ms at 200,000 pathways
OFFSET = 10_000_000  # ids of the generated rows: above the demo's, so a page with a demo id is found
CLOCK = FrozenClock(datetime(2026, 6, 1, 9, 0, tzinfo=UTC))  # bench/supervision.py's NOW
HREF = re.compile(r'href="(/[^"#?]*)(?:\?[^"#]*)?(?:#[^"]*)?"')
BASELINE = "/connexion"


# --- data ------------------------------------------------------------------------------------------


def build(url: str, count: int, people: int) -> None:
    """The demo (its services, its clock) then `count` generated pathways in the demo structure."""
    upgrade(url)
    sessions = session_factory(make_engine(url))
    bpmn, forms = read_library_dir(REPO / "processes", REPO / "forms")
    with unit_of_work(sessions) as session:
        publish_library(session, CLOCK, bpmn, forms, "coordination")
    with unit_of_work(sessions) as session:
        load_demo(session, CLOCK, people=people)
    generate(make_engine(url), count)


def generate(engine: Engine, count: int, seed: int = 7) -> None:
    """bench/supervision.py's people and pathways, moved into the demo structure and its versions."""
    rng = generator.random.Random(seed)
    with engine.connect() as conn:
        structure = conn.scalar(select(Structure.id).where(Structure.code == DEMO_STRUCTURE))
        demo = dict(
            conn.execute(
                select(Account.username, Account.id).where(
                    Account.username.in_(("conseiller1", "conseiller2", "conseiller3"))
                )
            ).all()
        )
        latest = dict(
            conn.execute(
                select(ProcessVersion.programme, func.max(ProcessVersion.id)).group_by(
                    ProcessVersion.programme
                )
            ).all()
        )
    referents = max(count // 55, 10)
    # Generated referent n: the demo's counsellors for 1-3 (a caseload each), new counsellors after.
    referent_ids = {1: demo["conseiller1"], 2: demo["conseiller2"], 3: demo["conseiller3"]}
    generator._bulk(
        engine,
        Account.__table__,
        (
            {
                **generator._account(OFFSET + n, "counsellor"),
                "username": f"bench_conseiller{n}",
                "team": "referent",
                "structure_id": structure,
            }
            for n in range(4, referents + 1)
        ),
    )
    people = [generator._person(rng, n) for n in range(1, count + 1)]
    plans = [generator._plan(rng, person, referents) for person in people]
    for person in people:
        person.update(
            id=OFFSET + person["id"],
            structure_id=structure,
            name_key=name_key(person["last_name"], person["first_name"]),
        )
    for plan in plans:
        _move(plan, structure, referent_ids, latest)
    generator._bulk(engine, Beneficiary.__table__, iter(people))
    generator._bulk(engine, Pathway.__table__, (p["pathway"] for p in plans))
    generator._bulk(engine, WaitingElement.__table__, (p["waiting"] for p in plans if p["waiting"]))
    generator._bulk(engine, WorkItem.__table__, (p["item"] for p in plans if p["item"]))
    generator._bulk(engine, IdlePeriod.__table__, (row for p in plans for row in p["idle"]))
    analyse(engine)


def _move(plan: dict[str, Any], structure: int, referent_ids: dict[int, int], latest: dict[str, int]) -> None:
    """One generated pathway into the demo structure, on its programme's published version."""
    row = plan["pathway"]
    pathway_id = OFFSET + row["id"]
    referent = row["referent_id"]
    if referent is not None:
        referent = referent_ids.get(referent, OFFSET + referent)
    version = latest[row["programme"]]
    row.update(
        id=pathway_id,
        beneficiary_id=OFFSET + row["beneficiary_id"],
        referent_id=referent,
        structure_id=structure,
        process_version_id=version,
    )
    if plan["waiting"]:
        plan["waiting"].update(pathway_id=pathway_id, process_version_id=version, structure_id=structure)
    if plan["item"]:
        plan["item"].update(pathway_id=pathway_id, assignee_id=referent, task_uuid=f"{pathway_id:032x}")
    for idle in plan["idle"]:
        idle.update(pathway_id=pathway_id, structure_id=structure)


def analyse(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))


def loaded(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.scalar(select(func.count()).select_from(Pathway).where(Pathway.id > OFFSET)) or 0


# --- pages -----------------------------------------------------------------------------------------


def timings(response: Any) -> tuple[float, float]:
    """(wall, cpu) in ms from the response's Server-Timing header."""
    header = response.headers.get("Server-Timing", "")
    found = dict(re.findall(r"(\w+);dur=([0-9.]+)", header))
    return float(found.get("app", "nan")), float(found.get("cpu", "nan"))


def sign_in(client: FlaskClient, role: Role) -> str:
    """Sign `role` in through its form; the page the sign-in lands on."""
    form = "/mon-passeport/connexion" if role.username is None else "/connexion"
    page = client.get(form).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page)
    body = {"csrf_token": token.group(1) if token else ""}
    if role.username is None:
        body |= {"identifier": PORTAL_PEOPLE[0].identifier, "code": DEMO_PORTAL_CODE}
    else:
        body |= {"username": role.username, "password": DEMO_PASSWORD}
    response = client.post(form, data=body)
    if response.status_code not in (302, 303):
        raise SystemExit(f"{role.name}: sign-in answered {response.status_code}")
    return response.headers["Location"].replace("http://localhost", "")


def demo_first(urls: list[str]) -> str:
    """A link with demo ids (its engine state is real) before one with generated ids."""
    return min(urls, key=lambda u: max((int(n) for n in re.findall(r"\d+", u)), default=0) >= OFFSET)


def seeds(url: str) -> dict[str, list[str]]:
    """A demo pathway with an open task, its person and its task: the lists a supervisor or an admin
    reads first show generated pathways only (they have no engine state, so no page of their own)."""
    with make_engine(url).connect() as conn:
        pathway, person, item = conn.execute(
            select(Pathway.id, Pathway.beneficiary_id, WorkItem.id)
            .join(WorkItem, WorkItem.pathway_id == Pathway.id)
            .where(Pathway.id < OFFSET, WorkItem.status == "open")
            .order_by(Pathway.id)
            .limit(1)
        ).one()
    return {
        "/parcours/<id>": [f"/parcours/{pathway}"],
        "/personnes/<id>": [f"/personnes/{person}"],
        "/taches/<id>": [f"/taches/{item}"],
    }


def find_pages(
    client: FlaskClient, role: Role, codes: set[str], seeded: dict[str, list[str]]
) -> dict[str, str]:
    """Each page of PAGES[role] -> one URL of it, found by following links as the walk does (a link
    on a page read, a demo one first; `seeded` ones when the pages read link to generated rows only)."""
    wanted = set(PAGES[role.name])
    start = ["/connexion", "/mon-passeport/connexion"] if role.username == "" else [sign_in(client, role)]
    links: dict[str, list[str]] = {}  # page kind -> links seen to it
    found: dict[str, str] = {}
    for url in start:  # read whatever they are (a landing page may redirect), as the walk does
        response = client.get(url, follow_redirects=True)
        links.setdefault(page_key(response.request.path, codes), []).append(response.request.path)
        _add_links(links, response, codes)
    while True:
        todo = [k for k in [*links, *seeded] if k in wanted and k not in found]
        if not todo:
            return found
        for key in todo:
            found[key] = url = demo_first(links[key] + seeded.get(key, []))
            _add_links(links, client.get(url), codes)


def _add_links(links: dict[str, list[str]], response: Any, codes: set[str]) -> None:
    for href in HREF.findall(response.get_data(as_text=True)):
        if not SKIPPED.search(href):
            links.setdefault(page_key(href, codes), []).append(href)


def measure(client: FlaskClient, url: str, runs: int) -> tuple[int, list[float], list[float]]:
    """(status, wall times, CPU times) of `runs` requests after one warm-up."""
    status = client.get(url).status_code
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = timings(client.get(url))
        walls.append(wall)
        cpus.append(cpu)
    return status, walls, cpus


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[max(int(len(ordered) * 0.95 + 0.5) - 1, 0)]


def app_for(url: str) -> Flask:
    """The app as `parcours-engine serve` runs it: built, then warmed up (web.warm)."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench-pages", "CLOCK": CLOCK})
    warm_up(app)
    return app


def run(url: str, runs: int, roles: list[Role], only_pages: list[str]) -> list[tuple[Any, ...]]:
    app = app_for(url)
    codes = programme_codes()
    rows: list[tuple[Any, ...]] = []
    seeded = seeds(url)
    baseline = measure(app.test_client(), BASELINE, runs)
    rows.append(("baseline", BASELINE, BASELINE, *baseline))
    for role in roles:
        client = app.test_client()
        pages = find_pages(client, role, codes, seeded)
        for key in PAGES[role.name]:
            if only_pages and not any(s in key for s in only_pages):
                continue
            if key not in pages:
                rows.append((role.name, key, "(not reached)", 0, [], []))
                continue
            rows.append((role.name, key, pages[key], *measure(client, pages[key], runs)))
    return rows


def report(rows: list[tuple[Any, ...]], count: int, runs: int) -> None:
    """Per page: wall time p50/p95 (Server-Timing `app`), CPU time p50/p95 (`cpu`: the request thread's
    own work, which barely grows when other processes share the cores), the p50's ratio to the
    baseline's, and the goal judged on the wall p95 and, for a shared machine, on the CPU p95."""
    base = statistics.median(rows[0][4])
    print(
        f"\nPages at {count:,} pathways (SQLite), server time from Server-Timing over {runs} runs, "
        f"goal < {GOAL_MS:.0f} ms at p95; baseline {BASELINE} p50 {base:.1f} ms"
    )
    print(
        f"{'role':<12} {'page':<46} {'HTTP':>4} {'p50':>7} {'p95':>7} {'cpu50':>7} {'cpu95':>7} "
        f"{'x base':>7}  goal (wall / cpu)"
    )
    met = met_cpu = total = 0
    for role, key, url, status, walls, cpus in rows:
        if not walls:
            print(f"{role:<12} {key:<46} {'':>4} {'':>7} {'':>7} {'':>7} {'':>7} {'':>7}  {url}")
            continue
        p50, high, cpu, cpu_high = statistics.median(walls), p95(walls), statistics.median(cpus), p95(cpus)
        ok, ok_cpu = high < GOAL_MS and status < 500, cpu_high < GOAL_MS and status < 500
        if role != "baseline":
            total += 1
            met += ok
            met_cpu += ok_cpu
        print(
            f"{role:<12} {key:<46} {status:>4} {p50:7.1f} {high:7.1f} {cpu:7.1f} {cpu_high:7.1f} "
            f"{p50 / base:7.1f}  {'met' if ok else 'NOT MET'} / {'met' if ok_cpu else 'NOT MET'}"
        )
    print(f"goal met by {met} of {total} pages on wall time, {met_cpu} of {total} on CPU time")


def light_hashing() -> None:
    """argon2 at its production cost would dominate the set-up: the demo accounts get a light one."""
    light = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    accounts._hasher = light  # type: ignore[attr-defined]
    accounts._DUMMY_HASH = light.hash("not-a-password")  # type: ignore[attr-defined]
    portal._hasher = light  # type: ignore[attr-defined]
    portal._DUMMY_HASH = light.hash("AAAAAAAA")  # type: ignore[attr-defined]
    workspace.PasswordHasher = lambda: light  # type: ignore[assignment,misc]


def database(keep: Path | None, count: int, people: int) -> Iterator[str]:
    with tempfile.TemporaryDirectory() as scratch:
        folder = keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"pages-{count}.sqlite3"
        url = f"sqlite:///{path}"
        started = time.perf_counter()
        if path.exists() and loaded(make_engine(url)) == count:
            upgrade(url)
            analyse(make_engine(url))
            print(f"reusing {url}")
        else:
            for stale in folder.glob(f"{path.name}*"):
                stale.unlink()
            build(url, count, people)
            print(f"built {url} in {time.perf_counter() - started:.0f} s")
        yield url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pathways", type=int, default=200_000)
    parser.add_argument("--people", type=int, default=60, help="demo people, through the services")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--only", nargs="*", default=[], help="roles (counsellor, supervisor...)")
    parser.add_argument("--page", nargs="*", default=[], help="pages whose kind contains one of these")
    args = parser.parse_args()
    light_hashing()
    roles = [r for r in ROLES if not args.only or r.name in args.only]
    for url in database(args.keep, args.pathways, args.people):
        report(run(url, args.runs, roles, args.page), args.pathways, args.runs)


if __name__ == "__main__":
    main()
