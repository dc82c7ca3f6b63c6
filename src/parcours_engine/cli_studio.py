"""`parcours-engine processes diff`: what changed between two versions of a programme.

The studio shows this on the diagram; the command serves deployments without a browser at hand, and
the review before `pathways migrate`. Registered on the `processes` group by cli.py.
"""

from __future__ import annotations

import click

from parcours_engine.cli_context import sessions
from parcours_engine.domain.errors import ParcoursError
from parcours_engine.persistence.db import unit_of_work
from parcours_engine.services import studio


@click.command("diff")
@click.argument("programme")
@click.argument("old", type=int)
@click.argument("new", type=int, required=False)
@click.pass_context
def diff(ctx: click.Context, programme: str, old: int, new: int | None) -> None:
    """Elements added (+), removed (-) and changed (~) from version OLD to NEW (default: the latest).

    Changed scripts, conditions and timers count, not only names; elements of the blocks a programme
    calls are prefixed with the block's process id.
    """
    try:
        with unit_of_work(sessions(ctx)) as session:
            ids = {v.version: v.id for v in studio.version_history(session, programme)}
            target = max(ids) if new is None else new
            if old not in ids or target not in ids:
                raise click.ClickException(f"programme {programme!r} has versions {sorted(ids)}")
            comparison = studio.compare_versions(session, ids[old], ids[target])
    except ParcoursError as error:
        raise click.ClickException(str(error)) from error
    elements = comparison.elements
    for mark, changes in (("+", elements.added), ("-", elements.removed), ("~", elements.changed)):
        for change in changes:
            where = "" if change.process_id == programme else f"{change.process_id}/"
            what = f" ({', '.join(change.attributes)})" if change.attributes else ""
            click.echo(f"{mark} {where}{change.element_id} {change.name or ''}{what}".rstrip())
    for mark, names in (("+", comparison.forms_added), ("-", comparison.forms_removed)):
        for name in names:
            click.echo(f"{mark} form {name}")
    for name in comparison.forms_changed:
        click.echo(f"~ form {name}")
    total = len(elements.added) + len(elements.removed) + len(elements.changed)
    click.echo(f"{programme} v{old} → v{target}: {total} elements changed", err=True)


def register(processes: click.Group) -> None:
    processes.add_command(diff)
