"""The coordinator studio's use cases: drafts of a programme, checking and publishing them.

A draft holds the whole library its programme needs (its BPMN file, every block it calls, every form),
because the loader checks call activities and forms across files. Every write to a draft goes through
one gate: a BPMN file the hardened parser refuses (DOCTYPE, entity, malformed, not BPMN) or whose
scripts, conditions or timers the restricted environment refuses is rejected with the loader's own
problems, and nothing is stored. Other problems (a missing form, an undrawn element) are normal while
editing: `check_draft` lists them, and `publish_draft` refuses while any error remains.

Only coordinators and admins edit, publish or discard drafts (`Forbidden` otherwise). The versions
of a programme (history, diff) are studio.versions' job, migrating running pathways
studio.pathway_migration's.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import (
    ConflictError,
    FieldError,
    Forbidden,
    InvalidInput,
    ModelError,
    ModelProblem,
    NotFound,
)
from parcours_engine.engine.code_checks import check_expressions
from parcours_engine.engine.loader import check_library
from parcours_engine.engine.xml import DOCUMENT, parse_document
from parcours_engine.persistence.models import Account, ProcessVersion
from parcours_engine.persistence.models.studio import ModelDraft
from parcours_engine.persistence.uow import lost_race_as_conflict
from parcours_engine.studio import versions
from parcours_engine.studio.pathway_migration import MIGRATING_ROLES
from parcours_engine.studio.publishing import PublishResult, publish_library

EDITING_ROLES = MIGRATING_ROLES  # who may publish may edit: coordinators and admins
MAX_FILE_BYTES = 2 * 1024 * 1024  # a programme's model is tens of kilobytes
_BPMN_NAME = re.compile(
    r"^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,80}/){0,3}[A-Za-z0-9_][A-Za-z0-9_.-]{0,120}\.bpmn$"
)
_FORM_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,120}\.json$")


def _require_editor(actor: Account) -> None:
    if actor.role not in EDITING_ROLES:
        raise Forbidden("studio.editors_only")


# -- the gate every stored file passes --------------------------------------------------------------


def gate_bpmn(name: str, data: bytes) -> str:
    """The file as text, or ModelError with the loader's problems: nothing unsafe is ever stored."""
    if not _BPMN_NAME.match(name) or ".." in name.split("/"):
        raise InvalidInput(
            "studio.bpmn_name", {"file": [FieldError("studio.bpmn_name", name=name)]}, name=name
        )
    if len(data) > MAX_FILE_BYTES:
        raise ModelError([ModelProblem.coded(name, None, DOCUMENT, "check.too_large")])
    parsed = parse_document(name, data)
    if isinstance(parsed, ModelProblem):
        raise ModelError([parsed])
    refused = list(check_expressions(parsed))
    if refused:
        raise ModelError(refused)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelError([ModelProblem.coded(name, None, DOCUMENT, "check.must_be_utf8")]) from exc


def gate_form(name: str, data: bytes) -> str:
    """A form file as text (its schema is checked with the library, by `check_draft`)."""
    if not _FORM_NAME.match(name):
        raise InvalidInput(
            "studio.form_name", {"form": [FieldError("studio.form_name", name=name)]}, name=name
        )
    if len(data) > MAX_FILE_BYTES:
        raise ModelError([ModelProblem.coded(name, None, DOCUMENT, "check.too_large")])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ModelError([ModelProblem.coded(name, None, DOCUMENT, "check.must_be_utf8")]) from exc


# -- drafts ---------------------------------------------------------------------------------------


def _new_draft(
    session: Session,
    clock: Clock,
    actor: Account,
    programme: str,
    base: ProcessVersion | None,
    files: dict[str, str],
    forms: dict[str, str],
) -> ModelDraft:
    draft = ModelDraft(
        programme=programme,
        base_version_id=None if base is None else base.id,
        files_json=json.dumps(dict(sorted(files.items())), ensure_ascii=False),
        forms_json=json.dumps(dict(sorted(forms.items())), ensure_ascii=False),
        author=actor.username,
        created_at=clock.now(),
        updated_at=clock.now(),
        updated_by=actor.username,
    )
    session.add(draft)
    session.flush()
    return draft


def start_draft(session: Session, clock: Clock, actor: Account, programme: str) -> ModelDraft:
    """A draft holding the latest version's library, to edit."""
    _require_editor(actor)
    base = versions.latest(session, programme)
    files: dict[str, str] = json.loads(base.files_json)
    forms: dict[str, str] = json.loads(base.forms_json)
    return _new_draft(session, clock, actor, programme, base, files, forms)


def upload_draft(
    session: Session,
    clock: Clock,
    actor: Account,
    programme: str,
    bpmn_files: Mapping[str, bytes],
    form_files: Mapping[str, bytes] | None = None,
) -> ModelDraft:
    """A draft of the latest version's library (if any) with uploaded files laid over it.

    Every uploaded file passes the gate first: one refusal and nothing is stored.
    """
    _require_editor(actor)
    texts = {name: gate_bpmn(name, data) for name, data in sorted(bpmn_files.items())}
    form_texts = {name: gate_form(name, data) for name, data in sorted((form_files or {}).items())}
    base = versions.find_latest(session, programme)
    files: dict[str, str] = {} if base is None else json.loads(base.files_json)
    forms: dict[str, str] = {} if base is None else json.loads(base.forms_json)
    return _new_draft(session, clock, actor, programme, base, files | texts, forms | form_texts)


def get_draft(session: Session, draft_id: int) -> ModelDraft:
    draft = session.get(ModelDraft, draft_id)
    if draft is None:
        raise NotFound("draft.not_found", id=draft_id)
    return draft


def drafts_of(session: Session, programme: str) -> list[ModelDraft]:
    """The programme's open drafts, the last saved first."""
    query = select(ModelDraft).where(ModelDraft.programme == programme)
    return list(session.scalars(query.order_by(ModelDraft.updated_at.desc(), ModelDraft.id.desc())))


def resumable_draft(session: Session, actor: Account, programme: str) -> ModelDraft | None:
    """The actor's own draft of the programme (they started it), the last saved one: where they left off."""
    mine = [draft for draft in drafts_of(session, programme) if draft.author == actor.username]
    return mine[0] if mine else None


def open_draft_counts(session: Session) -> dict[str, int]:
    """How many drafts are open per programme, in one query (the studio's programme list)."""
    query = select(ModelDraft.programme, func.count(ModelDraft.id)).group_by(ModelDraft.programme)
    return {programme: int(count) for programme, count in session.execute(query).all()}


def draft_texts(draft: ModelDraft) -> tuple[dict[str, str], dict[str, str]]:
    """The draft's BPMN files and forms, as text by name."""
    files: dict[str, str] = json.loads(draft.files_json)
    forms: dict[str, str] = json.loads(draft.forms_json)
    return files, forms


def draft_library(draft: ModelDraft) -> tuple[dict[str, bytes], dict[str, bytes]]:
    """The draft's BPMN files and forms, as bytes by name (what the loader reads)."""
    files, forms = draft_texts(draft)
    return {n: t.encode() for n, t in files.items()}, {n: t.encode() for n, t in forms.items()}


def main_file(session: Session, draft: ModelDraft) -> str:
    """The name of the programme's own BPMN file in the draft (the others are the blocks it calls)."""
    files, _forms = draft_texts(draft)
    base = None if draft.base_version_id is None else session.get(ProcessVersion, draft.base_version_id)
    if base is not None and base.filename in files:
        return base.filename
    own = f"{draft.programme}.bpmn"
    if own in files or not files:
        return own
    return next((name for name in sorted(files) if "/" not in name), sorted(files)[0])


def _editable(session: Session, actor: Account, draft_id: int, revision: int | None) -> ModelDraft:
    _require_editor(actor)
    draft = get_draft(session, draft_id)
    if revision is not None and revision != draft.revision:
        raise ConflictError("draft.saved_meanwhile")
    return draft


def _with_entry(entries_json: str, name: str, text: str) -> str:
    """A draft's {name: text} JSON with one entry added or replaced, names kept sorted."""
    entries: dict[str, str] = json.loads(entries_json)
    entries[name] = text
    return json.dumps(dict(sorted(entries.items())), ensure_ascii=False)


def _saved(session: Session, clock: Clock, actor: Account, draft: ModelDraft) -> ModelDraft:
    """Stamp who saved the draft and when, and write it (the second of two savers gets a conflict)."""
    draft.updated_at, draft.updated_by = clock.now(), actor.username
    with lost_race_as_conflict("draft.saved_meanwhile"):
        session.flush()
    return draft


def save_file(
    session: Session,
    clock: Clock,
    actor: Account,
    draft_id: int,
    name: str,
    data: bytes,
    revision: int | None,
) -> ModelDraft:
    """Add or replace one BPMN file of the draft (after the gate); `revision` guards lost updates."""
    draft = _editable(session, actor, draft_id, revision)
    draft.files_json = _with_entry(draft.files_json, name, gate_bpmn(name, data))
    return _saved(session, clock, actor, draft)


def save_form(
    session: Session,
    clock: Clock,
    actor: Account,
    draft_id: int,
    name: str,
    data: bytes,
    revision: int | None,
) -> ModelDraft:
    """Add or replace one form (JSON Schema) of the draft; `revision` guards lost updates."""
    draft = _editable(session, actor, draft_id, revision)
    draft.forms_json = _with_entry(draft.forms_json, name, gate_form(name, data))
    return _saved(session, clock, actor, draft)


def discard_draft(session: Session, actor: Account, draft_id: int, revision: int | None = None) -> None:
    """Delete the draft; with `revision`, only if nobody saved it since (their work is not thrown away)."""
    session.delete(_editable(session, actor, draft_id, revision))
    session.flush()


def check_draft(session: Session, draft_id: int) -> list[ModelProblem]:
    """Every error and warning of the draft's library (the same checks as `processes check`)."""
    bpmn, forms = draft_library(get_draft(session, draft_id))
    return check_library(bpmn, forms)


def publish_draft(
    session: Session, clock: Clock, actor: Account, draft_id: int, revision: int | None = None
) -> PublishResult:
    """Publish the draft as its programme's new version and delete the draft.

    Raises ModelError listing every problem while one error remains: nothing is published then (the
    caller's unit of work rolls back, the draft stays as it was). With `revision`, a draft someone
    saved since is a ConflictError: nobody publishes what they have not seen.
    """
    draft = _editable(session, actor, draft_id, revision)
    bpmn, forms = draft_library(draft)
    results = publish_library(session, clock, bpmn, forms, actor.username)
    mine = [result for result in results if result.programme == draft.programme]
    if not mine:
        problem = ModelProblem.coded(
            "", None, draft.programme, "check.draft_process_missing", process=repr(draft.programme)
        )
        raise ModelError([problem])
    session.delete(draft)
    session.flush()
    return mine[0]
