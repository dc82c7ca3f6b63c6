"""The studio's stored drafts as pages: opening a programme resumes the coordinator's own draft (or
lists the open drafts and starts a new one from the newest version), the editor page of one draft, and
discarding it.

A draft lives in the database (studio.studio), not in the browser page: closing the tab loses
nothing saved, and two coordinators on the same draft are told when the other saved first.
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, request, url_for
from werkzeug.wrappers import Response as BaseResponse

from parcours_engine.domain.errors import FieldError, InvalidInput, ModelProblem, NotFound
from parcours_engine.persistence.models import ProcessVersion
from parcours_engine.persistence.models.studio import ModelDraft
from parcours_engine.studio import studio, versions
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account
from parcours_engine.web.studio import bp


def draft_of(programme: str, draft_id: int) -> ModelDraft:
    """The draft, if it is one of this programme's (a URL naming another programme is a 404)."""
    draft = studio.get_draft(db_session(), draft_id)
    if draft.programme != programme:
        raise NotFound("draft.not_found", id=draft_id)
    return draft


def revision_required() -> InvalidInput:
    """The page did not send the draft's revision it loaded: nothing is written without it."""
    return InvalidInput("draft.revision_required", {"revision": [FieldError("field.required")]})


def _see_other(endpoint: str, **values: Any) -> BaseResponse:
    return redirect(url_for(endpoint, **values), 303)


@bp.get("/<programme>")
def editor(programme: str) -> str | BaseResponse:
    """Resume the coordinator's own draft of the programme, or list the open drafts."""
    mine = studio.resumable_draft(db_session(), current_account(), programme)
    if mine is not None:
        return _see_other("studio.draft_editor", programme=programme, draft_id=mine.id)
    return draft_list(programme)


@bp.get("/<programme>/brouillons")
def draft_list(programme: str) -> str:
    history = versions.history(db_session(), programme)  # 404 for a programme never published
    return render_template(
        "studio/drafts.html",
        programme=programme,
        newest=history[-1],
        numbers={version.id: version.version for version in history},
        drafts=studio.drafts_of(db_session(), programme),
        discarded=request.args.get("abandonne") is not None,
    )


@bp.post("/<programme>/brouillons")
def start(programme: str) -> BaseResponse:
    """A new draft from the newest version, opened in the editor."""
    draft = studio.start_draft(db_session(), clock(), current_account(), programme)
    return _see_other("studio.draft_editor", programme=programme, draft_id=draft.id)


@bp.get("/<programme>/brouillons/<int:draft_id>")
def draft_editor(programme: str, draft_id: int) -> tuple[str, int]:
    return editor_page(draft_of(programme, draft_id), [])


def editor_page(draft: ModelDraft, problems: list[ModelProblem], status: int = 200) -> tuple[str, int]:
    """The modeler on the draft's own BPMN file, its forms, the blocks it calls and `problems`."""
    from parcours_engine.web.studio.simulation import kept_scenarios  # the page's "Simuler" panel

    session = db_session()
    files, forms = studio.draft_texts(draft)
    main = studio.main_file(session, draft)
    base = None if draft.base_version_id is None else session.get(ProcessVersion, draft.base_version_id)
    newest = versions.find_latest(session, draft.programme)
    page = render_template(
        "studio/editor.html",
        programme=draft.programme,
        draft=draft,
        base=base,
        # A version published since the draft started would be overwritten by publishing it.
        outdated=newest if newest is not None and (base is None or newest.id != base.id) else None,
        main_file=main,
        xml=files.get(main, ""),
        forms=dict(sorted(forms.items())),
        blocks=sorted(name for name in files if name != main),
        problems=problems,
        scenarios=kept_scenarios(draft.programme),
    )
    return page, status


@bp.post("/<programme>/brouillons/<int:draft_id>/abandonner")
def discard(programme: str, draft_id: int) -> str | BaseResponse:
    """Discard the draft once its summary is confirmed (`confirm=1`); refused if someone saved it since."""
    draft = draft_of(programme, draft_id)
    revision = request.form.get("revision", type=int)
    if revision is None:
        raise revision_required()
    if request.form.get("confirm") != "1":
        session = db_session()
        base = None if draft.base_version_id is None else session.get(ProcessVersion, draft.base_version_id)
        return render_template("studio/discard_confirm.html", draft=draft, base=base, revision=revision)
    studio.discard_draft(db_session(), current_account(), draft.id, revision)
    return _see_other("studio.draft_list", programme=programme, abandonne=1)
