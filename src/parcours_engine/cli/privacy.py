"""`parcours-engine privacy`: the register of personal data, and erasure on request (RGPD Art. 17)."""

from __future__ import annotations

import json

import click

from parcours_engine.accounts import accounts, privacy_register
from parcours_engine.cli.context import sessions
from parcours_engine.domain.clock import SystemClock
from parcours_engine.domain.permissions import Action
from parcours_engine.pathways import erasure
from parcours_engine.persistence.uow import unit_of_work


@click.group()
def privacy() -> None:
    """Personal data: what is kept, why and for how long; erasure on request."""


@privacy.command("register")
@click.option("--json", "as_json", is_flag=True, help="The register as one JSON document")
@click.pass_context
def register(ctx: click.Context, as_json: bool) -> None:
    """What is kept about the people followed, why, for how long and who can see it."""
    with sessions(ctx)() as session:
        found = privacy_register.build(session, SystemClock().now())
    if as_json:
        click.echo(json.dumps(found.as_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(f"Registre des données personnelles (généré le {found.generated_at[:10]})")
    click.echo(f"Journal des accès : {found.access_log_months} mois")
    for category in found.categories:
        click.echo(f"\n## {category.title}")
        click.echo(f"Finalité : {category.purpose}")
        click.echo(f"Base légale : {category.legal_basis}")
        click.echo(f"Conservation : {category.kept_for}")
        for label, rights in (("Qui peut voir", category.readers), ("Qui peut modifier", category.changers)):
            click.echo(f"{label} :")
            for right in rights:
                who = "; ".join(f"{p} ({', '.join(s)})" for p, s in right.profiles.items())
                click.echo(f"  {right.action}: {who}")
        for table in category.tables:
            click.echo(f"Table {table.name} : {', '.join(table.columns)}")
    if found.person_reads_own_file:
        click.echo(f"\nLa personne lit son dossier sur le portail ({Action.READ_OWN_FILE}).")
    click.echo("\n## Champs des formulaires publiés")
    for form in found.forms:
        fields = ", ".join(f"{f['name']} ({f['kind']})" for f in form.fields)
        click.echo(f"{form.programme} v{form.version} {form.form} : {fields}")


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
