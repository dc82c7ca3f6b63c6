"""Migration of running pathways onto a newer version: choose the target, preview the element
mapping of each pathway (refusals named), then migrate the selected ones.

Coordinators write models, not files: pathways are shown by number, version and waiting elements,
never with the person's name.
"""

from __future__ import annotations

from flask import render_template, request

from parcours_engine.domain.errors import FieldError, InvalidInput
from parcours_engine.persistence.models import Pathway
from parcours_engine.studio import versions
from parcours_engine.studio.pathway_migration import (
    MigrationPreview,
    migrate_pathways,
    pathways_on,
    preview_migration,
)
from parcours_engine.studio.versions import VersionInfo
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.studio import bp


def _target(history: list[VersionInfo], raw: int | None) -> VersionInfo:
    if raw is None:
        return history[-1]
    for version in history:
        if version.id == raw:
            return version
    raise InvalidInput("version.unknown", {"cible": [FieldError("version.unknown")]})


def _older_pathways(history: list[VersionInfo], target: VersionInfo) -> list[Pathway]:
    session = db_session()
    older = [v for v in history if v.version < target.version and v.active_pathways]
    ids = [pid for v in older for pid in pathways_on(session, v.id)]
    return [p for p in (session.get(Pathway, pid) for pid in sorted(ids)) if p is not None]


def _page(
    programme: str,
    target_id: int | None,
    previews: list[MigrationPreview] | None = None,
    migrated: bool = False,
) -> str:
    history = versions.history(db_session(), programme)
    target = _target(history, target_id)
    return render_template(
        "studio/migration.html",
        programme=programme,
        programme_name=history[-1].name or programme,  # people read the name; the code is for URLs
        names=versions.element_names(db_session(), programme),  # steps by name, never by id
        versions=history,
        target=target,
        pathways=_older_pathways(history, target),
        previews=previews,
        migrated=migrated,
        selected={p.pathway_id for p in previews or []},
    )


def _selected() -> list[int]:
    chosen = sorted({int(raw) for raw in request.values.getlist("parcours") if raw.isdigit()})
    if not chosen:
        raise InvalidInput("migration.choose_pathway", {"parcours": [FieldError("field.required")]})
    return chosen


@bp.get("/<programme>/migration")
def migration(programme: str) -> str:
    """The pathways on older versions; with `parcours` chosen, the preview of their migration."""
    target_id = request.args.get("cible", type=int)
    if "parcours" not in request.args:
        return _page(programme, target_id)
    target = _target(versions.history(db_session(), programme), target_id)
    previews = preview_migration(db_session(), _selected(), target.id)
    return _page(programme, target.id, previews)


@bp.post("/<programme>/migration")
def migrate(programme: str) -> str:
    """Migrate the selected pathways once their preview is confirmed (`confirm=1`); without it, the
    preview (the summary to confirm) and nothing moved."""
    target = _target(versions.history(db_session(), programme), request.form.get("cible", type=int))
    if request.form.get("confirm") != "1":
        return _page(programme, target.id, preview_migration(db_session(), _selected(), target.id))
    results = migrate_pathways(db_session(), clock(), current_account(), _selected(), target.id)
    return _page(programme, target.id, results, migrated=True)
