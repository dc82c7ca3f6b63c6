"""`parcours-engine processes export` and `parcours-engine pathways migrate`: versions of a programme.

Registered on the main command group by cli.py; each command is one unit of work.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine.cli_context import sessions
from parcours_engine.domain.clock import SystemClock
from parcours_engine.domain.errors import ParcoursError
from parcours_engine.persistence.db import unit_of_work
from parcours_engine.persistence.models import Account, ProcessVersion
from parcours_engine.services import versions


def _version(session: Session, programme: str, number: int | None) -> ProcessVersion:
    query = select(ProcessVersion).where(ProcessVersion.programme == programme)
    query = (
        query.where(ProcessVersion.version == number)
        if number
        else query.order_by(ProcessVersion.version.desc())
    )
    found = session.scalars(query.limit(1)).first()
    if found is None:
        raise click.ClickException(f"no version {number or '(latest)'} of programme {programme!r}")
    return found


@click.command("export")
@click.argument("programme")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@click.option("--version", "number", type=int, help="Default: the latest")
@click.pass_context
def export(ctx: click.Context, programme: str, directory: Path, number: int | None) -> None:
    """Write a published version back as files: DIRECTORY/processes/... and DIRECTORY/forms/..."""
    with unit_of_work(sessions(ctx)) as session:
        version = _version(session, programme, number)
        files = json.loads(version.files_json)
        forms = json.loads(version.forms_json)
    for root, contents in ((directory / "processes", files), (directory / "forms", forms)):
        for name, text in contents.items():
            target = (root / name).resolve()
            if root.resolve() not in target.parents:  # a stored name never escapes the directory
                raise click.ClickException(f"refusing to write outside {root}: {name}")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    click.echo(f"{programme} v{version.version}: {len(files)} BPMN files, {len(forms)} forms in {directory}")


@click.group("pathways")
def pathways_group() -> None:
    """Running pathways."""


@pathways_group.command("migrate")
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
            target = _version(session, programme, to_number)
            ids = list(pathway_ids)
            if from_number is not None:
                ids += versions.pathways_on(session, _version(session, programme, from_number).id)
            account = session.scalar(select(Account).where(Account.username == actor))
            if account is None:
                raise click.ClickException(f"no account {actor!r}")
            if dry_run:
                results = versions.preview_migration(session, ids, target.id)
            else:
                results = versions.migrate_pathways(session, SystemClock(), account, ids, target.id)
    except ParcoursError as error:
        raise click.ClickException(str(error)) from error
    for result in results:
        state = "refused (no counterpart: " + ", ".join(result.refused) + ")" if result.refused else "ok"
        moves = ", ".join(f"{old}→{new}" for old, new in sorted(result.mapping.items()))
        click.echo(f"pathway {result.pathway_id}: {state}; {moves}")
    refused = sum(1 for r in results if r.refused)
    click.echo(f"{len(results) - refused} {'to migrate' if dry_run else 'migrated'}, {refused} refused")
    sys.exit(1 if refused else 0)


def register(main: click.Group, processes: click.Group) -> None:
    processes.add_command(export)
    main.add_command(pathways_group)
