"""`parcours-engine serve` and `parcours-engine scheduler`: the long-running processes."""

from __future__ import annotations

import click

from parcours_engine.cli.context import sessions, url
from parcours_engine.domain.clock import SystemClock


@click.command()
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
    from parcours_engine.web.warm import warm_up

    app = create_app({"DATABASE_URL": url(ctx)})
    warm_up(app)
    running = start_scheduler(sessions(ctx), SystemClock()) if scheduler else None
    click.echo(f"parcours-engine on http://{host}:{port}" + (" with its scheduler" if running else ""))
    try:
        waitress_serve(app, host=host, port=port, threads=threads)
    finally:
        if running is not None:
            running.shutdown(wait=False)


@click.command("scheduler")
@click.pass_context
def scheduler_command(ctx: click.Context) -> None:
    """Run the scheduler as its own process (deployments with several web processes)."""
    from parcours_engine.scheduler.jobs import run_forever

    click.echo("parcours-engine scheduler running; Ctrl+C stops it")
    run_forever(sessions(ctx), SystemClock())
