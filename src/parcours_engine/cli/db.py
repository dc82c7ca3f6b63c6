"""`parcours-engine db upgrade`: the database schema."""

from __future__ import annotations

import click

from parcours_engine.cli.context import url


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.pass_context
def db_upgrade(ctx: click.Context) -> None:
    """Create the database or migrate it to the newest schema."""
    from parcours_engine.persistence.migrate import upgrade

    upgrade(url(ctx))
    click.echo("database is up to date")
