"""`parcours-engine privacy`: the register of personal data, and erasure on request (RGPD Art. 17)."""

from __future__ import annotations

import click

from parcours_engine.accounts import accounts
from parcours_engine.cli.context import sessions
from parcours_engine.domain.clock import SystemClock
from parcours_engine.pathways import erasure
from parcours_engine.persistence.uow import unit_of_work


@click.group()
def privacy() -> None:
    """Personal data: what is kept, why and for how long; erasure on request."""


@privacy.command("erase")
@click.argument("person_id", type=int)
@click.option("--reason", required=True, type=click.Choice(sorted(erasure.REASONS)), help="Why (recorded)")
@click.option("--actor", required=True, help="The admin or supervisor deciding it (recorded)")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation")
@click.pass_context
def erase(ctx: click.Context, person_id: int, reason: str, actor: str, yes: bool) -> None:
    """Anonymise a person's file now (refused while one of their pathways is open)."""
    if not yes:
        click.confirm(
            f"Anonymise person {person_id} for '{erasure.REASONS[reason]}'? This cannot be undone", abort=True
        )
    with unit_of_work(sessions(ctx)) as session:
        account = accounts.by_username(session, actor)
        done = erasure.erase(session, SystemClock(), account, person_id, reason, "cli privacy erase")
        click.echo(f"person {person_id} anonymised on {done.at:%Y-%m-%d}: {done.reason}")
