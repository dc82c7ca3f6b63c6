"""The `parcours-engine` command: database, models, pathways, demo data, accounts, supervision,
serving and the scheduler.

Each module of this package defines its top-level commands or command groups and nothing else; they
are all added to `main` from the one tuple `COMMANDS` below. What they share (the database URL, the
session factory, how an input error is told) is in `context.py`. Each command that changes data is
one unit of work (persistence.uow.unit_of_work).
"""

from __future__ import annotations

from typing import Any

import click

from parcours_engine.cli import (
    db,
    demo,
    incidents,
    pathways,
    privacy,
    processes,
    retention,
    serving,
    supervision,
    timers,
    users,
)
from parcours_engine.cli.context import explain
from parcours_engine.domain.errors import ParcoursError


class Commands(click.Group):
    """Every command's domain error (a conflict, a refusal, bad input) ends it with one clear message
    on stderr and status 1, never a traceback: the same codes and catalogue as the web."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ParcoursError as error:
            raise click.ClickException(explain(error)) from error


@click.group(cls=Commands)
@click.option(
    "--database-url", envvar="DATABASE_URL", default=None, help="Default: instance/parcours.sqlite3"
)
@click.pass_context
def main(ctx: click.Context, database_url: str | None) -> None:
    """parcours-engine: insertion pathways run as BPMN models."""
    ctx.obj = {"url": database_url}


COMMANDS: tuple[click.Command, ...] = (
    db.db,
    processes.processes,
    pathways.pathways,
    demo.demo,
    timers.timers,
    incidents.incidents,
    users.users,
    supervision.objectives,
    supervision.indicators_command,
    retention.retention_command,
    privacy.privacy,
    serving.serve,
    serving.scheduler_command,
)
for _command in COMMANDS:
    main.add_command(_command)
