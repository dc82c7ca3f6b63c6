"""The studio's programme list (versions and open drafts), the versions of a programme (who
published what and when) and the diff between two of them."""

from __future__ import annotations

import json
from collections import defaultdict

from flask import Response, render_template, request

from parcours_engine.domain.errors import NotFound
from parcours_engine.persistence.models import ProcessVersion
from parcours_engine.services.publishing import list_versions
from parcours_engine.services.studio import open_draft_counts
from parcours_engine.services.versions import diff_versions
from parcours_engine.web.app import db_session
from parcours_engine.web.studio import bp


@bp.get("")
def programmes() -> str:
    session = db_session()
    by_programme: dict[str, list[ProcessVersion]] = defaultdict(list)
    for version in list_versions(session):
        by_programme[version.programme].append(version)
    return render_template(
        "studio/programmes.html",
        programmes=dict(sorted(by_programme.items())),
        drafts=open_draft_counts(session),
    )


def programme_versions(programme: str) -> list[ProcessVersion]:
    found = [v for v in list_versions(db_session()) if v.programme == programme]
    if not found:
        raise NotFound(f"no published version of programme {programme!r}")
    return found


@bp.get("/<programme>/versions")
def version_list(programme: str) -> str:
    found = programme_versions(programme)
    by_id = {v.id: v for v in found}
    old_id = request.args.get("ancienne", type=int)
    new_id = request.args.get("nouvelle", type=int)
    if old_id is None and new_id is None and len(found) >= 2:
        old_id, new_id = found[-2].id, found[-1].id  # the last change, by default
    old = by_id.get(old_id) if old_id is not None else None
    new = by_id.get(new_id) if new_id is not None else None
    diff = diff_versions(db_session(), old.id, new.id) if old and new else None
    return render_template(
        "studio/versions.html",
        programme=programme,
        versions=found,
        old=old,
        new=new,
        diff=diff,
        published=request.args.get("publiee", type=int),
    )


@bp.get("/<programme>/versions/<int:number>/modele.bpmn")
def version_xml(programme: str, number: int) -> Response:
    """The programme's own BPMN file of one version (the diff draws it)."""
    for version in programme_versions(programme):
        if version.version == number:
            files: dict[str, str] = json.loads(version.files_json)
            return Response(files[version.filename], mimetype="application/xml")
    raise NotFound(f"no version {number} of programme {programme!r}")
