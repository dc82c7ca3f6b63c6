"""`parcours-engine demo load`: demonstration data (the parcours_engine.demo package).

The only door to that package: production code never imports it (an import-linter contract).
"""

from __future__ import annotations

import click

from parcours_engine.cli.context import sessions
from parcours_engine.domain.clock import SystemClock
from parcours_engine.persistence.uow import unit_of_work


@click.group()
def demo() -> None:
    """Demonstration data."""


@demo.command("load")
@click.option("--people", default=240, show_default=True, help="How many beneficiaries to create")
@click.pass_context
def demo_load(ctx: click.Context, people: int) -> None:
    """Create demo accounts, people, pathways, passports and portal accesses (idempotent)."""
    from parcours_engine.demo.workspace import load_demo

    with unit_of_work(sessions(ctx)) as session:
        report = load_demo(session, SystemClock(), people=people)
    click.echo(report)
