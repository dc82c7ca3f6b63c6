"""The references of a passport: documents (PDF, PNG or JPEG, at most 5 MB, recognised by their first
bytes, never by their name or the type a browser claims) a referent attaches and the person downloads
under a name made of their kind and date."""

from __future__ import annotations

import hashlib
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.clock import Clock
from parcours_engine.domain.dates import date_error
from parcours_engine.domain.errors import FieldError, FieldErrors, InvalidInput, NotFound
from parcours_engine.domain.permissions import Action
from parcours_engine.passport.passport import ensure_open, experience_of, writer_of
from parcours_engine.passport.referential import referential
from parcours_engine.persistence.models import Account
from parcours_engine.persistence.models.passport import (
    Passport,
    ReferenceDocument,
)

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
# Media types recognised by their first bytes, never by the name or the type the browser claims.
MAGIC = {b"%PDF-": "application/pdf", b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}
EXTENSIONS = {"application/pdf": "pdf", "image/png": "png", "image/jpeg": "jpg"}


def reference_document(session: Session, beneficiary_id: int, reference_id: int) -> ReferenceDocument:
    """One reference of this person's passport (NotFound for anybody else's)."""
    document = session.scalar(
        select(ReferenceDocument)
        .join(Passport, Passport.id == ReferenceDocument.passport_id)
        .where(ReferenceDocument.id == reference_id, Passport.beneficiary_id == beneficiary_id)
    )
    if document is None:
        raise NotFound("passport.reference_not_found", id=reference_id)
    return document


def download_name(document: ReferenceDocument) -> str:
    return f"{document.kind}_{document.issued_on.isoformat()}.{EXTENSIONS[document.media_type]}"


def attach_reference(
    session: Session,
    clock: Clock,
    account: Account,
    beneficiary_id: int,
    kind: str,
    issued_on: date,
    content: bytes,
    route: str,
    experience_id: int | None = None,
) -> ReferenceDocument:
    """The referent attaches a document (PDF, PNG or JPEG, at most 5 MB) the person can download."""
    access.beneficiary_for(session, clock, account, beneficiary_id, Action.WRITE_PASSPORT, route)
    errors: FieldErrors = {}
    if kind not in referential().codes("document_kinds"):
        errors["kind"] = [FieldError("field.choice")]
    if (future := date_error(issued_on, latest=clock.now().date())) is not None:
        errors["issued_on"] = [future]
    media_type = next((media for magic, media in MAGIC.items() if content.startswith(magic)), None)
    if not content:
        errors["file"] = [FieldError("field.required")]
    elif len(content) > MAX_DOCUMENT_BYTES:
        errors["file"] = [FieldError("passport.file_too_large", limit=MAX_DOCUMENT_BYTES // (1024 * 1024))]
    elif media_type is None:
        errors["file"] = [FieldError("passport.file_type")]
    passport = ensure_open(session, clock, beneficiary_id, writer_of(account))
    if experience_id is not None and experience_of(session, passport, experience_id) is None:
        errors["experience_id"] = [FieldError("passport.not_a_period")]
    if errors or media_type is None:
        raise InvalidInput(field_errors=errors)
    document = ReferenceDocument(
        passport_id=passport.id,
        experience_id=experience_id,
        kind=kind,
        issued_on=issued_on,
        media_type=media_type,
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        content=content,
        recorded_at=clock.now(),
        recorded_by=account.username,
        structure_id=account.structure_id,
    )
    session.add(document)
    session.flush()
    return document
