"""Who did something, as pages and JSON replies name them: never a username, never a system code."""

from __future__ import annotations

from collections.abc import Mapping

from flask import g
from flask_babel import gettext as _

from parcours_engine.accounts import accounts
from parcours_engine.domain.enums import SystemActor

_SYSTEM = frozenset(SystemActor)


def actor_name(name: str | None, names: Mapping[str, str] | None = None) -> str:
    """ "Automatique" for the scheduler, the command line or the demo loader, else the account's
    display name (from `names` when the page read them with its data, else read once per request)."""
    if name in _SYSTEM:
        return _("Automatique")
    if not name:
        return ""
    return (names if names is not None else _account_names()).get(name, name)


def _account_names() -> Mapping[str, str]:
    """Every account's display name by username, read once per request by the pages that name
    accounts without a list of their own (the studio's authors)."""
    from parcours_engine.web.app import db_session

    if "account_names" not in g:
        g.account_names = accounts.display_names(db_session())
    names: Mapping[str, str] = g.account_names
    return names
