"""The `parcours-engine` command: database, models, demo data, serving and the scheduler.

Each command that changes data is one unit of work (persistence.db.unit_of_work).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from parcours_engine.cli_context import sessions as _sessions
from parcours_engine.cli_context import url as _url
from parcours_engine.domain.clock import SystemClock
from parcours_engine.domain.errors import ModelError, ParcoursError
from parcours_engine.persistence.db import unit_of_work


@click.group()
@click.option(
    "--database-url", envvar="DATABASE_URL", default=None, help="Default: instance/parcours.sqlite3"
)
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """parcours-engine: insertion pathways run as BPMN models."""
    ctx.obj = {"url": database_url}


# -- database -------------------------------------------------------------------------------------


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create the database or migrate it to the newest schema."""
    from parcours_engine.persistence.migrate import upgrade

    upgrade(_url(ctx))
    click.echo("database is up to date")


# -- models ---------------------------------------------------------------------------------------


def _read(paths: tuple[Path, ...], forms_dir: Path | None) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The libraries holding PATHS: a directory is a library; a file stands for the library it is in."""
    from parcours_engine.engine.loader import read_library_dir

    bpmn: dict[str, bytes] = {}
    forms: dict[str, bytes] = {}
    for path in paths:
        root = path if path.is_dir() else path.parent
        if root.name == "blocs":
            root = root.parent
        found_bpmn, found_forms = read_library_dir(root, forms_dir or root.parent / "forms")
        bpmn.update(found_bpmn)
        forms.update(found_forms)
    return bpmn, forms


@main.group()
def processes() -> None:
    """Check and publish BPMN models (processes/) with their forms (forms/)."""


@processes.command("check")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--forms", "forms_dir", type=click.Path(path_type=Path), help="Default: forms/ next to PATH")
def processes_check(paths: tuple[Path, ...], forms_dir: Path | None) -> None:
    """Check models; print `file:line: element: message` for each problem; exit 1 on any error."""
    from parcours_engine.engine.loader import check_library

    bpmn, forms = _read(paths, forms_dir)
    problems = check_library(bpmn, forms)
    for problem in problems:
        click.echo(f"{problem} [{problem.severity}]" if problem.severity != "error" else str(problem))
    errors = [p for p in problems if p.severity == "error"]
    click.echo(f"{len(bpmn)} files, {len(errors)} errors, {len(problems) - len(errors)} warnings", err=True)
    sys.exit(1 if errors else 0)


@processes.command("publish")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--forms", "forms_dir", type=click.Path(path_type=Path), help="Default: forms/ next to PATH")
@click.option("--actor", default="cli", show_default=True)
@click.pass_context
def processes_publish(
    ctx: click.Context, paths: tuple[Path, ...], forms_dir: Path | None, actor: str
) -> None:
    """Publish every programme whose model or forms changed as a new version."""
    from parcours_engine.services.publishing import publish_library

    bpmn, forms = _read(paths, forms_dir)
    try:
        with unit_of_work(_sessions(ctx)) as session:
            results = publish_library(session, SystemClock(), bpmn, forms, actor)
    except ModelError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        sys.exit(1)
    for result in results:
        state = "published" if result.created else "unchanged"
        click.echo(f"{result.programme} v{result.version} {state} ({result.content_hash[:12]})")


# -- demo, timers, incidents ------------------------------------------------------------------------


@main.group()
def demo() -> None:
    """Demonstration data."""


@demo.command("load")
@click.option("--people", default=240, show_default=True, help="How many beneficiaries to create")
@click.pass_context
def demo_load(ctx: click.Context, people: int) -> None:
    """Create demo accounts, people, pathways, passports and portal accesses (idempotent)."""
    from parcours_engine.demo.workspace import load_demo

    with unit_of_work(_sessions(ctx)) as session:
        report = load_demo(session, SystemClock(), people=people)
    click.echo(report)


@main.group()
def timers() -> None:
    """Timers of the models."""


@timers.command("fire")
@click.pass_context
def timers_fire(ctx: click.Context) -> None:
    """Fire every due timer once (what the scheduler does every minute)."""
    from parcours_engine.scheduler.jobs import fire_due_timers

    advanced, failed = fire_due_timers(_sessions(ctx), SystemClock())
    click.echo(f"{advanced} pathways advanced, {failed} incidents")


@main.group()
def incidents() -> None:
    """Transitions that failed and were rolled back."""


@incidents.command("list")
@click.pass_context
def incidents_list(ctx: click.Context) -> None:
    from parcours_engine.services.incidents import open_incidents

    with unit_of_work(_sessions(ctx)) as session:
        for incident in open_incidents(session):
            click.echo(
                json.dumps(
                    {
                        "id": incident.id,
                        "pathway": incident.pathway_id,
                        "element": incident.element_id,
                        "operation": incident.operation,
                        "attempts": incident.attempts,
                        "message": incident.message,
                    },
                    ensure_ascii=False,
                )
            )


@incidents.command("retry")
@click.argument("incident_id", type=int)
@click.option("--actor", default="cli", show_default=True)
@click.pass_context
def incidents_retry(ctx: click.Context, incident_id: int, actor: str) -> None:
    from parcours_engine.services.incidents import retry

    try:
        with unit_of_work(_sessions(ctx)) as session:
            retry(session, SystemClock(), incident_id, actor)
    except ParcoursError as error:
        click.echo(f"failed again: {error}", err=True)
        sys.exit(1)
    click.echo(f"incident {incident_id} resolved")


# -- serving --------------------------------------------------------------------------------------


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=8, show_default=True, type=int)
@click.option(
    "--scheduler/--no-scheduler",
    default=True,
    show_default=True,
    help="Run the timer scheduler in this process (turn off when `parcours-engine scheduler` runs apart)",
)
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int, scheduler: bool) -> None:
    """Serve the web application (waitress, a production WSGI server; one process, no reloader)."""
    from waitress import serve as waitress_serve

    from parcours_engine.scheduler.jobs import start_scheduler
    from parcours_engine.web import create_app

    app = create_app({"DATABASE_URL": _url(ctx)})
    running = start_scheduler(_sessions(ctx), SystemClock()) if scheduler else None
    click.echo(f"parcours-engine on http://{host}:{port}" + (" with its scheduler" if running else ""))
    try:
        waitress_serve(app, host=host, port=port, threads=threads)
    finally:
        if running is not None:
            running.shutdown(wait=False)


@main.command("scheduler")
@click.pass_context
def scheduler_command(ctx: click.Context) -> None:
    """Run the scheduler as its own process (deployments with several web processes)."""
    from parcours_engine.scheduler.jobs import run_forever

    click.echo("parcours-engine scheduler running; Ctrl+C stops it")
    run_forever(_sessions(ctx), SystemClock())


from parcours_engine.cli_users import users  # noqa: E402 - registered after the group is defined

main.add_command(users)
from parcours_engine.cli_supervision import register as register_supervision  # noqa: E402 - same

register_supervision(main)
from parcours_engine.cli_versions import register as register_versions  # noqa: E402 - same

register_versions(main, processes)
from parcours_engine.cli_studio import register as register_studio  # noqa: E402 - same

register_studio(processes)

if __name__ == "__main__":
    main()
