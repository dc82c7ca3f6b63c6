"""A draft of a programme: the latest version's library with the edited main file and forms.

The draft is never stored: it is checked (engine.loader.check_library) or published
(services.publishing.publish_library) as a whole, so that blocks and forms are checked with it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.errors import InvalidInput, ModelError, ModelProblem
from parcours_engine.engine.loader import check_library
from parcours_engine.persistence.models import ProcessVersion
from parcours_engine.services.publishing import PublishResult, publish_library

FORM_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,120}\.json$")


@dataclass(frozen=True)
class Draft:
    programme: str
    filename: str
    bpmn: dict[str, bytes]
    forms: dict[str, bytes]


def stored_files(version: ProcessVersion) -> tuple[dict[str, str], dict[str, str]]:
    """The version's BPMN files (its own and its blocks') and forms, as text by name."""
    files: dict[str, str] = json.loads(version.files_json)
    forms: dict[str, str] = json.loads(version.forms_json)
    return files, forms


def main_xml(version: ProcessVersion) -> str:
    files, _ = stored_files(version)
    return files.get(version.filename) or next(iter(files.values()))


def draft_of(version: ProcessVersion, xml: bytes, edited_forms: dict[str, str]) -> Draft:
    """The version's library with its own file replaced by `xml` and the edited forms laid over."""
    files, forms = stored_files(version)
    bpmn = {name: text.encode() for name, text in files.items()}
    bpmn[version.filename] = xml
    form_bytes = {name: text.encode() for name, text in forms.items()}
    for name, text in edited_forms.items():
        if not FORM_NAME.match(name):
            raise InvalidInput("invalid form name", {"forms": [name]})
        form_bytes[name] = text.encode()
    return Draft(version.programme, version.filename, bpmn, form_bytes)


def draft_from_json(version: ProcessVersion, body: Any) -> Draft:
    """The draft a studio page posts: `{"xml": "...", "forms": {"name.json": "schema text"}}`."""
    if not isinstance(body, dict) or not isinstance(body.get("xml"), str):
        raise InvalidInput("the request must carry the model's XML", {"xml": ["required"]})
    forms = body.get("forms") or {}
    if not isinstance(forms, dict) or not all(isinstance(v, str) for v in forms.values()):
        raise InvalidInput("forms must map names to JSON Schema text", {"forms": ["invalid"]})
    return draft_of(version, body["xml"].encode(), forms)


def problems(draft: Draft) -> list[ModelProblem]:
    """Every error and warning of the draft (the loader never raises here)."""
    return check_library(draft.bpmn, draft.forms)


def errors(found: list[ModelProblem]) -> list[ModelProblem]:
    return [p for p in found if p.severity == "error"]


def publish(session: Session, clock: Clock, draft: Draft, actor: str) -> PublishResult:
    """Publish the draft (ModelError listing the problems if it has any, nothing stored then)."""
    results = publish_library(session, clock, draft.bpmn, draft.forms, actor)
    for result in results:
        if result.programme == draft.programme:
            return result
    # The edited file now defines another process: refuse rather than create a new programme.
    message = f"the model must keep the process id {draft.programme!r}"
    raise ModelError([ModelProblem(draft.filename, None, draft.programme, message)])


def as_json(found: list[ModelProblem]) -> list[dict[str, Any]]:
    return [
        {"file": p.file, "line": p.line, "element": p.element, "message": p.message, "severity": p.severity}
        for p in found
    ]
