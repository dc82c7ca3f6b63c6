"""`parcours-engine timers fire`: fire the models' due timers once, as the scheduler does."""

from __future__ import annotations

import click

from parcours_engine.cli.context import sessions
from parcours_engine.domain.clock import SystemClock


@click.group()
def timers() -> None:
    """Timers of the models."""


@timers.command("fire")
@click.pass_context
def timers_fire(ctx: click.Context) -> None:
    """Fire every due timer once (what the scheduler does every minute)."""
    from parcours_engine.scheduler.jobs import fire_due_timers

    # Each pathway advances in its own unit of work, opened by the job (one failure rolls back alone).
    advanced, failed = fire_due_timers(sessions(ctx), SystemClock())
    click.echo(f"{advanced} pathways advanced, {failed} incidents")
