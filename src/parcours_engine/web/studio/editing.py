"""What the editor page asks of a stored draft: save it (JSON, with the revision the page loaded),
check it, publish it, import a .bpmn file into it, download its files.

Every write goes through studio.studio's gates: a file the hardened parser or the restricted
environment refuses is answered 422 with the loader's problems, and the request's unit of work rolls
back, so the stored draft keeps what it had. A save or publish whose revision is stale is answered
409 with who saved the draft last and when: nothing is ever overwritten silently.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import Response, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from parcours_engine.domain.errors import (
    ConflictError,
    FieldError,
    InvalidInput,
    ModelError,
    ModelProblem,
    NotFound,
)
from parcours_engine.persistence.models.studio import ModelDraft
from parcours_engine.studio import studio, versions
from parcours_engine.web.actors import actor_name
from parcours_engine.web.app import clock, db_session, fresh_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.errors import language
from parcours_engine.web.studio import bp
from parcours_engine.web.studio.drafts import draft_of, editor_page, revision_required

JsonReply = tuple[Response, int]


def _when(moment: datetime) -> str:
    return moment.strftime("%d/%m/%Y %H:%M")


def as_json(found: list[ModelProblem]) -> list[dict[str, Any]]:
    """Problems for the page, in the reader's language: it lists each `text` (the element by its name,
    what is wrong, where) and marks the element with its `message`; `cli` is the line `processes check`
    prints (`file:line: element: message`)."""
    lang = language()
    return [
        {
            "file": p.file,
            "line": p.line,
            "element": p.element,
            "name": p.name,
            "code": p.code,
            "message": p.describe(lang),
            "severity": p.severity,
            "text": p.text(lang),
            "cli": str(p),
        }
        for p in found
    ]


def _refused(error: ModelError) -> JsonReply:
    return jsonify({"ok": False, "problems": as_json(error.problems)}), 422


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("error.json_body")
    return body


def _revision(raw: Any) -> int:
    """The revision the page loaded: required, so that a save never overwrites unseen work."""
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise revision_required()
    return raw


def conflict_message(draft: ModelDraft) -> str:
    return _(
        "%(who)s a enregistré ce brouillon le %(when)s, après l'ouverture de cette page : rechargez-le "
        "pour voir cette version (téléchargez d'abord le BPMN pour garder vos modifications).",
        who=actor_name(draft.updated_by),
        when=_when(draft.updated_at),
    )


def _conflict(draft_id: int) -> JsonReply:
    """409 naming who saved the draft last and when (read again: the failed write is rolled back)."""
    session = fresh_session()  # the refused write is rolled back; read what is stored now
    draft = studio.get_draft(session, draft_id)  # 404 if it was published or discarded meanwhile
    conflict = {
        "saved_by": actor_name(draft.updated_by),
        "saved_at": _when(draft.updated_at),
        "revision": draft.revision,
    }
    return jsonify({"ok": False, "message": conflict_message(draft), "conflict": conflict}), 409


@bp.post("/<programme>/brouillons/<int:draft_id>/enregistrer")
def save(programme: str, draft_id: int) -> JsonReply:
    """Save `{"revision": n, "xml": "...", "forms": {"name.json": "text"}}` (the edited forms only)."""
    body = _body()
    revision = _revision(body.get("revision"))
    xml, forms = body.get("xml"), body.get("forms") or {}
    if not isinstance(xml, str):
        raise InvalidInput("draft.xml_required", {"xml": [FieldError("field.required")]})
    if not isinstance(forms, dict) or not all(isinstance(text, str) for text in forms.values()):
        raise InvalidInput("draft.forms_invalid", {"forms": [FieldError("field.invalid")]})
    session, actor = db_session(), current_account()
    draft = draft_of(programme, draft_id)
    try:
        # The page's revision guards the first write; the next ones follow the revision it made.
        draft = studio.save_file(
            session, clock(), actor, draft.id, studio.main_file(session, draft), xml.encode(), revision
        )
        for name, text in sorted(forms.items()):
            draft = studio.save_form(session, clock(), actor, draft.id, name, text.encode(), draft.revision)
    except ConflictError:
        return _conflict(draft_id)
    except ModelError as error:
        return _refused(error)
    saved = {"saved_by": actor_name(draft.updated_by), "saved_at": _when(draft.updated_at)}
    return jsonify({"ok": True, "revision": draft.revision, **saved}), 200


@bp.post("/<programme>/brouillons/<int:draft_id>/verifier")
def check(programme: str, draft_id: int) -> JsonReply:
    """The stored draft's problems (the same checks as `processes check`); the page marks each one."""
    found = studio.check_draft(db_session(), draft_of(programme, draft_id).id)
    ok = not [p for p in found if p.severity == "error"]
    return jsonify({"ok": ok, "problems": as_json(found)}), 200


@bp.post("/<programme>/brouillons/<int:draft_id>/publier")
def publish(programme: str, draft_id: int) -> JsonReply:
    """Publish the stored draft as a new version (the draft is then deleted); 422 while an error remains.

    Without `"confirm": true` nothing is published: the answer is the summary the page asks the
    coordinator to confirm (the version it will make, the pathways that stay on older versions)."""
    body = _body()
    revision = _revision(body.get("revision"))
    session = db_session()
    draft = draft_of(programme, draft_id)
    if body.get("confirm") is not True:
        return _publish_summary(draft, revision)
    try:
        result = studio.publish_draft(session, clock(), current_account(), draft.id, revision)
    except ConflictError:
        return _conflict(draft_id)
    except ModelError as error:
        return _refused(error)
    target = url_for("studio.version_list", programme=programme, publiee=result.version)
    return jsonify(
        {"ok": True, "version": result.version, "created": result.created, "redirect": target}
    ), 200


def _publish_summary(draft: ModelDraft, revision: int) -> JsonReply:
    """What publishing the draft would do, checked as publishing is (revision, errors); nothing written."""
    if draft.revision != revision:
        return _conflict(draft.id)
    problems = studio.check_draft(db_session(), draft.id)
    if any(p.severity == "error" for p in problems):
        return jsonify({"ok": False, "problems": as_json(problems)}), 422
    history = versions.history(db_session(), draft.programme)
    newest = history[-1]
    base = next((v for v in history if v.id == draft.base_version_id), None)
    running = sum(v.active_pathways for v in history)
    lines = [
        _("Programme : %(name)s", name=newest.name or draft.programme),
        _("Nouvelle version : %(n)s", n=newest.version + 1),
        _("Brouillon commencé par %(who)s depuis la version %(n)s", who=draft.author, n=base.version)
        if base
        else _("Brouillon commencé par %(who)s", who=draft.author),
        _("Parcours en cours qui restent sur leur version (migration à part) : %(n)s", n=running),
    ]
    if base is not None and base.id != newest.id:
        lines.append(_("La version %(n)s, publiée depuis, serait remplacée.", n=newest.version))
    summary = {"version": newest.version + 1, "running": running, "lines": lines}
    return jsonify({"ok": False, "confirm": True, "summary": summary}), 200


@bp.post("/<programme>/brouillons/<int:draft_id>/import")
def upload(programme: str, draft_id: int) -> tuple[str, int] | BaseResponse:
    """Replace the draft's own BPMN file with an uploaded one, once the gate accepts it."""
    session = db_session()
    draft = draft_of(programme, draft_id)
    main = studio.main_file(session, draft)
    sent = request.files.get("fichier")
    data = sent.read(studio.MAX_FILE_BYTES + 1) if sent is not None else b""
    if not data or len(data) > studio.MAX_FILE_BYTES:
        problem = ModelProblem(main, None, "", _("Choisissez un fichier .bpmn de moins de 2 Mo."))
        return editor_page(draft, [problem], 422)
    revision = request.form.get("revision", type=int)
    if revision is None:
        raise revision_required()
    try:
        studio.save_file(session, clock(), current_account(), draft.id, main, data, revision)
    except (ConflictError, ModelError) as error:
        # The refused file is never echoed back: the page shows the stored draft and why.
        draft = studio.get_draft(fresh_session(), draft_id)
        if isinstance(error, ConflictError):
            return editor_page(draft, [ModelProblem(main, None, "", conflict_message(draft))], 409)
        return editor_page(draft, error.problems, 422)
    return redirect(url_for("studio.draft_editor", programme=programme, draft_id=draft_id, importe=1), 303)


@bp.get("/<programme>/brouillons/<int:draft_id>/fichiers/<path:name>")
def download(programme: str, draft_id: int, name: str) -> Response:
    """A BPMN file of the draft (the programme's own or a block it calls), as a download."""
    files, _forms = studio.draft_texts(draft_of(programme, draft_id))
    if name not in files:
        raise NotFound("draft.file_not_found")
    response = Response(files[name], mimetype="application/xml")
    response.headers["Content-Disposition"] = f'attachment; filename="{name.rsplit("/", 1)[-1]}"'
    return response
