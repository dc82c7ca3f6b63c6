"""The studio's programme list (versions and open drafts), the versions of a programme (who
published what and when) and the diff between two of them, drawn on the newer one's diagram."""

from __future__ import annotations

import json
from collections.abc import Iterable

from flask import Response, render_template, request
from flask_babel import gettext as _

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
        programme_name=found[-1].name,
        versions=found,
        old=old,
        new=new,
        diff=diff,
        markers=None if diff is None else json.dumps(_markers(diff)),
        what_changed=what_changed,
        published=request.args.get("publiee", type=int),
    )


def what_changed(attributes: Iterable[str]) -> str:
    """What changed in an element, as a coordinator reads it (the engine's serialized attribute names,
    e.g. `bpmn_name` or `cond_task_specs`, are not for a page)."""
    return ", ".join(dict.fromkeys(_change_label(attribute) for attribute in attributes))


def _change_label(attribute: str) -> str:
    labels = {
        "bpmn_name": _("nom"),
        "bpmn_id": _("identifiant"),
        "name": _("identifiant"),
        "documentation": _("documentation"),
        "description": _("description"),
        "lane": _("couloir"),
        "script": _("script"),
        "prescript": _("script avant la tâche"),
        "postscript": _("script après la tâche"),
        "cond_task_specs": _("conditions des chemins"),
        "default_task_spec": _("chemin par défaut"),
        "choice": _("conditions des chemins"),
        "inputs": _("flux entrants"),
        "outputs": _("flux sortants"),
        "extensions": _("propriétés (formulaire, délais, routage)"),
        "event_definition": _("événement (délai, message)"),
        "cancel_activity": _("interruption de la tâche"),
        "data_input_associations": _("données"),
        "data_output_associations": _("données"),
        "io_specification": _("données"),
        "spec": _("bloc appelé"),
        "typename": _("type d'élément"),
        "manual": _("tâche manuelle"),
    }
    return labels.get(attribute, _("autre réglage"))


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
