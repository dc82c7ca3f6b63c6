"""What every `parcours-engine` command shares: the database URL given on the command line, the
session factory built from it once per invocation, how an input error is told, and how a command
names a published version of a programme."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager

import click
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.domain.errors import InvalidInput, NotFound, ParcoursError
from parcours_engine.domain.messages import render
from parcours_engine.persistence.db import make_engine, session_factory
from parcours_engine.persistence.models import ProcessVersion
from parcours_engine.studio import versions


def language() -> str:
    """The CLI speaks French unless PARCOURS_LANG (else LANG) asks for English."""
    chosen = os.environ.get("PARCOURS_LANG") or os.environ.get("LANG") or "fr"
    return "en" if chosen.lower().startswith("en") else "fr"


def explain(error: ParcoursError) -> str:
    """One error as the CLI prints it: the message, then one line per field."""
    lines = [error.message(language())]
    for field, problems in error.field_errors.items():
        lines += [f"  {field}: {render(p.code, p.params, language())}" for p in problems]
    return "\n".join(lines)


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
            shown = "; ".join(render(m.code, m.params, language()) for m in messages)
            click.echo(f"{field}: {shown}", err=True)
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
