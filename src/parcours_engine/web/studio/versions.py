"""The studio's programme list (versions and open drafts), the versions of a programme (who
published what and when) and the diff between two of them, drawn on the newer one's diagram."""

from __future__ import annotations

import json

from flask import Response, render_template, request

from parcours_engine.studio import versions
from parcours_engine.studio.studio import open_draft_counts
from parcours_engine.web.app import db_session
from parcours_engine.web.studio import bp


@bp.get("")
def programmes() -> str:
    session = db_session()
    return render_template(
        "studio/programmes.html",
        programmes=dict(sorted(versions.histories(session).items())),
        drafts=open_draft_counts(session),
    )


@bp.get("/<programme>/versions")
def version_list(programme: str) -> str:
    session = db_session()
    found = versions.history(session, programme)  # NotFound: 404
    by_id = {v.id: v for v in found}
    old_id = request.args.get("ancienne", type=int)
    new_id = request.args.get("nouvelle", type=int)
    if old_id is None and new_id is None and len(found) >= 2:
        old_id, new_id = found[-2].id, found[-1].id  # the last change, by default
    old = by_id.get(old_id) if old_id is not None else None
    new = by_id.get(new_id) if new_id is not None else None
    diff = versions.diff(session, old.id, new.id) if old and new else None
    return render_template(
        "studio/versions.html",
        programme=programme,
        versions=found,
        old=old,
        new=new,
        diff=diff,
        markers=None if diff is None else json.dumps(_markers(diff)),
        published=request.args.get("publiee", type=int),
    )


def _markers(diff: versions.VersionDiff) -> list[dict[str, str]]:
    """The newer diagram's markers (removed elements are not on it; the list names them)."""
    added = [{"element": c.element_id, "className": "parcours-added"} for c in diff.elements.added]
    changed = [{"element": c.element_id, "className": "parcours-changed"} for c in diff.elements.changed]
    return added + changed


@bp.get("/<programme>/versions/<int:number>/modele.bpmn")
def version_xml(programme: str, number: int) -> Response:
    """The programme's own BPMN file of one version (the diff is drawn on it)."""
    version = versions.numbered(db_session(), programme, number)  # NotFound: 404
    files: dict[str, str] = json.loads(version.files_json)
    return Response(files[version.filename], mimetype="application/xml")
