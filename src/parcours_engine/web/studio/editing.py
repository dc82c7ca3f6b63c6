"""The studio's programme list and modeler page: check, publish, upload and download a model."""

from __future__ import annotations

from collections import defaultdict

from flask import Response, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from parcours_engine.domain.errors import ModelError, ModelProblem, NotFound
from parcours_engine.persistence.models import ProcessVersion
from parcours_engine.services.publishing import latest_version, list_versions
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.studio import bp, drafts

MAX_UPLOAD = 2 * 1024 * 1024  # a programme's model is tens of kilobytes


@bp.get("")
def programmes() -> str:
    by_programme: dict[str, list[ProcessVersion]] = defaultdict(list)
    for version in list_versions(db_session()):
        by_programme[version.programme].append(version)
    return render_template("studio/programmes.html", programmes=dict(sorted(by_programme.items())))


@bp.get("/<programme>")
def editor(programme: str) -> tuple[str, int]:
    version = latest_version(db_session(), programme)
    return _editor_page(version, drafts.main_xml(version), [])


def _editor_page(
    version: ProcessVersion, xml: str, problems: list[ModelProblem], status: int = 200
) -> tuple[str, int]:
    files, forms = drafts.stored_files(version)
    blocks = sorted(name for name in files if name != version.filename)
    page = render_template(
        "studio/editor.html",
        version=version,
        xml=xml,
        forms=dict(sorted(forms.items())),
        blocks=blocks,
        problems=problems,
    )
    return page, status


@bp.post("/<programme>/verifier")
def check(programme: str) -> Response:
    """The draft's problems as JSON; the page highlights each one's element."""
    version = latest_version(db_session(), programme)
    found = drafts.problems(drafts.draft_from_json(version, request.get_json(silent=True)))
    return jsonify({"ok": not drafts.errors(found), "problems": drafts.as_json(found)})


@bp.post("/<programme>/publier")
def publish(programme: str) -> tuple[Response, int]:
    """Publish the draft as a new version; refused (422, nothing stored) while an error remains."""
    session = db_session()
    version = latest_version(session, programme)
    draft = drafts.draft_from_json(version, request.get_json(silent=True))
    found = drafts.problems(draft)
    if drafts.errors(found):
        return jsonify({"ok": False, "problems": drafts.as_json(found)}), 422
    try:
        result = drafts.publish(session, clock(), draft, current_account().username)
    except ModelError as error:
        return jsonify({"ok": False, "problems": drafts.as_json(error.problems)}), 422
    target = url_for("studio.version_list", programme=programme, publiee=result.version)
    return jsonify(
        {"ok": True, "version": result.version, "created": result.created, "redirect": target}
    ), 200


@bp.post("/<programme>/import")
def upload(programme: str) -> tuple[str, int]:
    """Load an uploaded .bpmn into the editor once the loader accepts it; nothing is stored."""
    version = latest_version(db_session(), programme)
    sent = request.files.get("fichier")
    data = sent.read(MAX_UPLOAD + 1) if sent is not None else b""
    if not data or len(data) > MAX_UPLOAD:
        problem = ModelProblem(version.filename, None, "", _("Choisissez un fichier .bpmn de moins de 2 Mo."))
        return _editor_page(version, drafts.main_xml(version), [problem], 422)
    found = drafts.errors(drafts.problems(drafts.draft_of(version, data, {})))
    try:
        text = data.decode()
    except UnicodeDecodeError:
        found.append(ModelProblem(version.filename, None, "", _("Le fichier doit être encodé en UTF-8.")))
    if found:
        # The refused file is never echoed back: the editor keeps the published model.
        return _editor_page(version, drafts.main_xml(version), found, 422)
    return _editor_page(version, text, [])


@bp.get("/<programme>/fichiers/<path:name>")
def download(programme: str, name: str) -> Response:
    """A BPMN file of the latest version (the programme's own or a block), as a download."""
    files, _forms = drafts.stored_files(latest_version(db_session(), programme))
    if name not in files:
        raise NotFound(f"no file {name!r} in programme {programme!r}")
    response = Response(files[name], mimetype="application/xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{name.rsplit("/", 1)[-1]}"'
    return response
