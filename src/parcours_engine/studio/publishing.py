"""Publish programme models: each programme whose content changed gets a new immutable version.

Reading the versions back (the catalogue, the latest, a history, a diff) is studio.versions' job.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.engine.loader import ProcessModel, load_library
from parcours_engine.pathways import models_cache
from parcours_engine.persistence.models import ProcessElement, ProcessVersion


@dataclass(frozen=True)
class PublishResult:
    programme: str
    version: int
    content_hash: str
    created: bool  # False when this exact content was already published


def content_hash(model: ProcessModel) -> str:
    """SHA-256 over the programme's BPMN files and forms, by name, in a stable order."""
    digest = hashlib.sha256()
    for kind, files in (("bpmn", model.files), ("form", model.forms)):
        for name in sorted(files):
            digest.update(f"{kind}\0{name}\0{len(files[name])}\0".encode())
            digest.update(files[name])
    return digest.hexdigest()


def publish_library(
    session: Session,
    clock: Clock,
    bpmn_files: Mapping[str, bytes],
    form_files: Mapping[str, bytes],
    actor: str | None,
) -> list[PublishResult]:
    """Check the whole library (ModelError if anything is wrong) and publish what changed."""
    library = load_library(bpmn_files, form_files)
    return [_publish_one(session, clock, model, actor) for _, model in sorted(library.programmes.items())]


def _publish_one(session: Session, clock: Clock, model: ProcessModel, actor: str | None) -> PublishResult:
    digest = content_hash(model)
    existing = session.scalar(select(ProcessVersion).where(ProcessVersion.content_hash == digest))
    if existing is not None:
        return PublishResult(existing.programme, existing.version, digest, created=False)
    last = session.scalar(
        select(func.max(ProcessVersion.version)).where(ProcessVersion.programme == model.process_id)
    )
    version = ProcessVersion(
        programme=model.process_id,
        version=(last or 0) + 1,
        content_hash=digest,
        name=model.name,
        filename=model.filename,
        files_json=json.dumps({p: b.decode() for p, b in sorted(model.files.items())}, ensure_ascii=False),
        forms_json=json.dumps({n: b.decode() for n, b in sorted(model.forms.items())}, ensure_ascii=False),
        idle_threshold_days=model.idle_threshold_days,
        published_at=clock.now(),
        published_by=actor,
    )
    session.add(version)
    session.flush()
    # Element limits queryable per version: supervision and the diagram overlay read them.
    session.add_all(
        ProcessElement(
            process_version_id=version.id,
            element_id=meta.element_id,
            name=meta.name,
            kind=meta.kind,
            measure=meta.measure,
            max_wait_days=meta.max_wait_days,
        )
        for meta in model.elements.values()
    )
    models_cache.remember(version, model)
    return PublishResult(version.programme, version.version, digest, created=True)
