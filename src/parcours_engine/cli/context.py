"""What every `parcours-engine` command shares: the database URL given on the command line, the
session factory built from it once per invocation, how an input error is told, and how a command
names a published version of a programme."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.domain.errors import InvalidInput, NotFound
from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.persistence.models import ProcessVersion
from parcours_engine.studio import versions


def url(ctx: click.Context) -> str | None:
    obj = ctx.find_object(dict) or {}
    value: str | None = obj.get("url")
    return value


def sessions(ctx: click.Context) -> sessionmaker[Session]:
    obj = ctx.ensure_object(dict)
    if "sessions" not in obj:
        obj["sessions"] = session_factory(make_engine(obj.get("url")))
    factory: sessionmaker[Session] = obj["sessions"]
    return factory


@contextmanager
def input_errors() -> Iterator[None]:
    """Print each field's errors of an InvalidInput on stderr and exit with status 1."""
    try:
        yield
    except InvalidInput as error:
        for field, messages in error.field_errors.items():
            click.echo(f"{field}: {'; '.join(str(message) for message in messages)}", err=True)
        sys.exit(1)


def published_version(session: Session, programme: str, number: int | None) -> ProcessVersion:
    """Version NUMBER of PROGRAMME (default: the latest); a missing one ends the command with a message."""
    try:
        return (
            versions.latest(session, programme)
            if number is None
            else versions.numbered(session, programme, number)
        )
    except NotFound as error:
        raise click.ClickException(str(error)) from error
