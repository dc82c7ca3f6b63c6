"""`parcours-engine users ...`: create accounts, list them, issue, list and revoke API tokens, remove a
lost second factor.

Each command is one unit of work.
"""

from __future__ import annotations

import sys

import click

from parcours_engine.accounts import accounts, administration, second_factor, tokens
from parcours_engine.cli.context import explain, input_errors, sessions
from parcours_engine.domain.clock import SystemClock
from parcours_engine.domain.errors import ParcoursError
from parcours_engine.domain.roles import LANE_ROLES
from parcours_engine.persistence.uow import unit_of_work


@click.group()
def users() -> None:
    """Accounts and API tokens."""


@users.command("create")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([str(role) for role in accounts.STAFF_ROLES]))
@click.option("--structure", "structure_code", help="Code of the structure (created when new)")
@click.option(
    "--structure-kind",
    default="mission_locale",
    show_default=True,
    type=click.Choice(accounts.STRUCTURE_KINDS),
)
@click.option(
    "--team",
    type=click.Choice([str(r.code) for r in LANE_ROLES]),
    help="Lane of the tasks this account takes",
)
@click.option(
    "--routing-code", help="Code a model's routing names to pick this referent (IEJ: csp_moulins...)"
)
@click.option("--name", "display_name", help="Name shown to others")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input")
@click.pass_context
def create(
    ctx: click.Context,
    username: str,
    role: str,
    structure_code: str | None,
    structure_kind: str,
    team: str | None,
    routing_code: str | None,
    display_name: str | None,
    password_stdin: bool,
) -> None:
    """Create an account; the password is prompted (or read from stdin)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with input_errors(), unit_of_work(sessions(ctx)) as session:
        if structure_code:
            accounts.ensure_structure(session, structure_code, kind=structure_kind)
        account = accounts.create_account(
            session,
            SystemClock(),
            username=username,
            password=password,
            role=role,
            structure_code=structure_code,
            team=team,
            display_name=display_name,
            routing_code=routing_code,
        )
        click.echo(f"account {account.username} created ({account.role})")


@users.command("token")
@click.argument("username")
@click.option(
    "--days", default=tokens.DEFAULT_DAYS, show_default=True, type=click.IntRange(1, tokens.MAX_DAYS),
    help="Days until the token expires",
)  # fmt: skip
@click.option("--label", default="", help="What the token is for (shown in the lists)")
@click.pass_context
def token(ctx: click.Context, username: str, days: int, label: str) -> None:
    """Issue a new API bearer token (shown once; the account's other tokens stay valid)."""
    try:
        with unit_of_work(sessions(ctx)) as session:
            issued = tokens.issue(session, SystemClock(), username, days=days, label=label, by="cli")
    except ParcoursError as error:
        click.echo(explain(error), err=True)
        sys.exit(1)
    click.echo(issued.token)


@users.command("tokens")
@click.argument("username")
@click.pass_context
def list_tokens(ctx: click.Context, username: str) -> None:
    """The account's API tokens: id, label, created, expires, state (in force, expired, revoked)."""
    now = SystemClock().now()
    try:
        with unit_of_work(sessions(ctx), write=False) as session:
            account = accounts.by_username(session, username)
            rows = tokens.list_of(session, account, account.id)
    except ParcoursError as error:
        click.echo(explain(error), err=True)
        sys.exit(1)
    for row in rows:
        state = "revoked" if row.revoked_at else "expired" if row.expires_at <= now else "in force"
        click.echo(f"{row.id}\t{row.label}\t{row.created_at:%Y-%m-%d}\t{row.expires_at:%Y-%m-%d}\t{state}")


@users.command("revoke-token")
@click.argument("token_id", type=int)
@click.pass_context
def revoke_token(ctx: click.Context, token_id: int) -> None:
    """Revoke an API token by its id (`users tokens USERNAME` lists them)."""
    try:
        with unit_of_work(sessions(ctx)) as session:
            revoked = tokens.revoke_by_id_cli(session, SystemClock(), token_id)
            click.echo(f"token {revoked.id} of {revoked.account.username} revoked")
    except ParcoursError as error:
        click.echo(explain(error), err=True)
        sys.exit(1)


@users.command("reset-second-factor")
@click.argument("username")
@click.option("--actor", help="The admin resetting it, recorded in the account's journal")
@click.pass_context
def reset_second_factor(ctx: click.Context, username: str, actor: str | None) -> None:
    """Remove the account's second factor and recovery codes (a lost device) and end its sessions.

    The account signs in with its password alone again, and enrols a new factor from its page. With
    --actor, done as that admin does it from the admin area: journaled, never the admin's own factor.
    """
    try:
        with input_errors(), unit_of_work(sessions(ctx)) as session:
            account = accounts.by_username(session, username)
            if actor is not None:
                admin = accounts.by_username(session, actor)
                removed = administration.reset_second_factor(session, SystemClock(), admin, account.id)
            else:
                removed = second_factor.remove(session, account)
                accounts.end_sessions(session, account)
    except ParcoursError as error:
        click.echo(explain(error), err=True)
        sys.exit(1)
    click.echo(f"second factor of {username} removed" if removed else f"{username} had no second factor")


@users.command("list")
@click.pass_context
def list_users(ctx: click.Context) -> None:
    """Every account: username, role, structure, team, routing code, active."""
    with unit_of_work(sessions(ctx)) as session:
        for account in accounts.list_accounts(session):
            structure = account.structure.code if account.structure else "-"
            state = "active" if account.active else "inactive"
            click.echo(
                f"{account.username}\t{account.role}\t{structure}\t{account.team or '-'}\t"
                f"{account.routing_code or '-'}\t{state}"
            )
