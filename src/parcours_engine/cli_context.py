"""What every `parcours-engine` command shares: the database URL given on the command line, and the
session factory built from it once per invocation."""

from __future__ import annotations

import click
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.persistence.db import make_engine, session_factory


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
