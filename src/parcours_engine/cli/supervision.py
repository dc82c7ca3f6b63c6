"""`parcours-engine objectives ...` and `parcours-engine indicators ...`: what supervisors set and read.

Each command is one unit of work.
"""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from parcours_engine.accounts import accounts
from parcours_engine.cli.context import input_errors, sessions
from parcours_engine.domain.clock import SystemClock
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.supervision import indicators


@click.group()
def objectives() -> None:
    """Yearly objectives of the programmes (entries aimed at)."""


@objectives.command("set")
@click.argument("programme")
@click.argument("year", type=int)
@click.argument("entries", type=int)
@click.option("--structure", help="A structure's code (default: the whole organisation's objective)")
@click.option("--actor", default="cli", show_default=True)
@click.pass_context
def objectives_set(
    ctx: click.Context, programme: str, year: int, entries: int, structure: str | None, actor: str
) -> None:
    """Set the number of entries PROGRAMME aims at in YEAR, for a structure or the organisation."""
    with input_errors(), unit_of_work(sessions(ctx)) as session:
        scope = accounts.structure_by_code(session, structure).id if structure else None
        indicators.set_objective(session, SystemClock(), programme, year, entries, actor, scope)
    click.echo(f"{programme} {year}{f' {structure}' if structure else ''}: objective {entries} entries")


@click.command("indicators")
@click.argument("programme")
@click.option("--year", type=int, help="A calendar year (default: the current one)")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), help="First day (with --to)")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), help="Last day, included")
@click.option("--structure", help="A structure's code (default: every structure)")
@click.pass_context
def indicators_command(
    ctx: click.Context, programme: str, year: int | None, start: object, end: object, structure: str | None
) -> None:
    """Print the dashboard's figures for PROGRAMME and a period, as JSON."""
    if start is not None and end is not None:
        period = indicators.Period(start.date(), end.date())  # type: ignore[attr-defined]
    else:
        period = indicators.Period.year(year or SystemClock().now().year)
    with input_errors(), unit_of_work(sessions(ctx)) as session:
        scope = accounts.structure_by_code(session, structure).id if structure else None
        figures = indicators.indicators(session, programme, period, scope)
    body = asdict(figures)
    body.update(
        exits=figures.exits,
        positive_exits=figures.positive_exits,
        durable_employment_exits=figures.durable_employment_exits,
    )
    click.echo(json.dumps(body, default=str, ensure_ascii=False, indent=2))
