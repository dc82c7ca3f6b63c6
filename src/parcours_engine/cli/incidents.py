"""`parcours-engine incidents list|retry`: transitions that failed and were rolled back."""

from __future__ import annotations

import json
import sys

import click

from parcours_engine.cli.context import explain, sessions
from parcours_engine.domain.clock import SystemClock
from parcours_engine.domain.errors import ParcoursError
from parcours_engine.persistence.uow import unit_of_work


@click.group()
def incidents() -> None:
    """Transitions that failed and were rolled back."""


@incidents.command("list")
@click.pass_context
def incidents_list(ctx: click.Context) -> None:
    from parcours_engine.pathways.incidents import open_incidents

    with unit_of_work(sessions(ctx)) as session:
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
    from parcours_engine.pathways.incidents import retry

    try:
        with unit_of_work(sessions(ctx)) as session:
            retry(session, SystemClock(), incident_id, actor)
    except ParcoursError as error:
        click.echo(explain(error), err=True)
        sys.exit(1)
    click.echo(f"incident {incident_id} resolved")
