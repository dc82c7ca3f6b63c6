"""`parcours-engine pathways migrate`: move running pathways onto a newer version of their programme.

Review the changes first with `parcours-engine processes diff`; the command is one unit of work.
"""

from __future__ import annotations

import sys

import click
from sqlalchemy import select

from parcours_engine.cli.context import published_version, sessions
from parcours_engine.domain.clock import SystemClock
from parcours_engine.domain.errors import ParcoursError
from parcours_engine.persistence.models import Account
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.studio import pathway_migration


@click.group()
def pathways() -> None:
    """Running pathways."""


@pathways.command("migrate")
@click.argument("programme")
@click.option("--to-version", "to_number", type=int, help="Default: the latest")
@click.option("--from-version", "from_number", type=int, help="Migrate every active pathway of this version")
@click.option("--pathway", "pathway_ids", type=int, multiple=True, help="Or name pathways one by one")
@click.option("--actor", required=True, help="A coordinator or admin account")
@click.option("--dry-run", is_flag=True, help="Show the element mapping only")
@click.pass_context
def migrate(
    ctx: click.Context,
    programme: str,
    to_number: int | None,
    from_number: int | None,
    pathway_ids: tuple[int, ...],
    actor: str,
    dry_run: bool,
) -> None:
    """Move pathways onto a newer version; a pathway that would lose its position is refused."""
    try:
        with unit_of_work(sessions(ctx)) as session:
            target = published_version(session, programme, to_number)
            ids = list(pathway_ids)
            if from_number is not None:
                ids += pathway_migration.pathways_on(
                    session, published_version(session, programme, from_number).id
                )
            account = session.scalar(select(Account).where(Account.username == actor))
            if account is None:
                raise click.ClickException(f"no account {actor!r}")
            if dry_run:
                results = pathway_migration.preview_migration(session, ids, target.id)
            else:
                results = pathway_migration.migrate_pathways(session, SystemClock(), account, ids, target.id)
    except ParcoursError as error:
        raise click.ClickException(str(error)) from error
    for result in results:
        state = "refused (no counterpart: " + ", ".join(result.refused) + ")" if result.refused else "ok"
        moves = ", ".join(f"{old}→{new}" for old, new in sorted(result.mapping.items()))
        click.echo(f"pathway {result.pathway_id}: {state}; {moves}")
    refused = sum(1 for r in results if r.refused)
    click.echo(f"{len(results) - refused} {'to migrate' if dry_run else 'migrated'}, {refused} refused")
    sys.exit(1 if refused else 0)
