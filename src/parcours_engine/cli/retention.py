"""`parcours-engine retention [--dry-run]`: apply the retention rules now, as the daily job does."""

from __future__ import annotations

import click

from parcours_engine.cli.context import sessions
from parcours_engine.domain.clock import SystemClock


@click.command("retention")
@click.option("--dry-run", is_flag=True, help="Say what would be anonymised and purged, change nothing.")
@click.pass_context
def retention_command(ctx: click.Context, dry_run: bool) -> None:
    """Anonymise the files past their retention period and purge the access log past its own."""
    from parcours_engine.scheduler.jobs import apply_retention

    report = apply_retention(sessions(ctx), SystemClock(), dry_run=dry_run)
    if report is None:
        click.echo("another process is applying the retention rules right now", err=True)
        raise SystemExit(1)
    verb = "would be" if dry_run else "were"
    click.echo(
        f"{len(report.people)} files {verb} anonymised, {report.access_log_rows} access-log rows {verb} purged"
    )
    for person_id in report.people:
        click.echo(f"  person {person_id}")
