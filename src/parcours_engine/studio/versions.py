"""The published versions of each programme: the catalogue, the latest version, a programme's history
and what changed between two of its versions.

Every question about "which versions exist" is answered here, so that a pathway starting, the studio,
supervision, the worklist filters and the command line agree. A published version never changes; the
newest one (highest number) is where new pathways start.

The diff is the one comparison both the studio's versions page and `processes diff` show: elements
added, removed and changed as the engine sees them (engine.model_diff: scripts, conditions, timers,
lanes and the host's element properties such as forms and limits count, not only names; the blocks a
programme calls included), and the forms added, removed or changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session, defer

from parcours_engine.domain.enums import PathwayStatus
from parcours_engine.domain.errors import InvalidInput, NotFound
from parcours_engine.engine.model_diff import ModelDiff, diff_models
from parcours_engine.pathways import models_cache
from parcours_engine.persistence.models import Pathway, ProcessElement, ProcessVersion

# -- the catalogue and the latest version ----------------------------------------------------------


def catalogue(session: Session) -> dict[str, str]:
    """Published programmes, by code, with the name of their newest version; in one query."""
    newest = (
        select(ProcessVersion.programme, func.max(ProcessVersion.version).label("number"))
        .group_by(ProcessVersion.programme)
        .subquery()
    )
    rows = session.execute(
        select(ProcessVersion.programme, ProcessVersion.name)
        .join(
            newest,
            and_(ProcessVersion.programme == newest.c.programme, ProcessVersion.version == newest.c.number),
        )
        .order_by(ProcessVersion.programme)
    )
    return {code: name for code, name in rows}


def find_latest(session: Session, programme: str) -> ProcessVersion | None:
    """The programme's newest version, or None for a programme never published."""
    return session.scalar(
        select(ProcessVersion)
        .where(ProcessVersion.programme == programme)
        .order_by(ProcessVersion.version.desc())
        .limit(1)
    )


def latest(session: Session, programme: str) -> ProcessVersion:
    """The programme's newest version (new pathways start on it); NotFound if it was never published."""
    version = find_latest(session, programme)
    if version is None:
        raise NotFound("programme.not_published", programme=programme)
    return version


def numbered(session: Session, programme: str, number: int) -> ProcessVersion:
    """Version `number` of a programme; NotFound if there is none."""
    version = session.scalar(
        select(ProcessVersion).where(ProcessVersion.programme == programme, ProcessVersion.version == number)
    )
    if version is None:
        raise NotFound("version.not_found", programme=programme, number=number)
    return version


def get(session: Session, version_id: int) -> ProcessVersion:
    """A version by its id; NotFound if there is none."""
    version = session.get(ProcessVersion, version_id)
    if version is None:
        raise NotFound("version.unknown", id=version_id)
    return version


def element_names(session: Session, programme: str) -> dict[str, str]:
    """Element id → its name in the newest version that has it (ids carry over between versions)."""
    rows = session.execute(
        select(ProcessElement.element_id, ProcessElement.name)
        .join(ProcessVersion, ProcessVersion.id == ProcessElement.process_version_id)
        .where(ProcessVersion.programme == programme, ProcessElement.name.is_not(None))
        .order_by(ProcessVersion.version)
    )
    return {element_id: name or element_id for element_id, name in rows}


# -- history ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionInfo:
    """One published version as its history shows it."""

    id: int
    programme: str
    version: int
    name: str
    content_hash: str
    published_at: datetime
    published_by: str | None
    active_pathways: int  # still running on this version (candidates for migration)


def history(session: Session, programme: str) -> list[VersionInfo]:
    """Who published which version of a programme and when, oldest first; NotFound if none."""
    found = session.execute(_history_query().where(ProcessVersion.programme == programme)).all()
    if not found:
        raise NotFound("programme.not_published", programme=programme)
    return [_info(version, count) for version, count in found]


def histories(session: Session) -> dict[str, list[VersionInfo]]:
    """Every programme's history, by code (the studio's programme list), in one query."""
    by_programme: dict[str, list[VersionInfo]] = {}
    for version, count in session.execute(_history_query()).all():
        by_programme.setdefault(version.programme, []).append(_info(version, count))
    return by_programme


def _history_query() -> Select[ProcessVersion, int]:
    """Versions with their active pathways, counted per version on ix_pathway_version_status (only the
    listed versions' entries: one programme's history reads its own); the models' files not read."""
    running = (
        select(func.count())
        .where(Pathway.process_version_id == ProcessVersion.id, Pathway.status == PathwayStatus.ACTIVE)
        .correlate(ProcessVersion)
        .scalar_subquery()
    )
    return (
        select(ProcessVersion, running.label("active"))
        .options(defer(ProcessVersion.files_json), defer(ProcessVersion.forms_json))
        .order_by(ProcessVersion.programme, ProcessVersion.version)
    )


def _info(version: ProcessVersion, active: int) -> VersionInfo:
    return VersionInfo(
        id=version.id,
        programme=version.programme,
        version=version.version,
        name=version.name,
        content_hash=version.content_hash,
        published_at=version.published_at,
        published_by=version.published_by,
        active_pathways=int(active),
    )


# -- diff -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class VersionDiff:
    """What changed from one version of a programme to another."""

    programme: str
    old_version: int
    new_version: int
    elements: ModelDiff  # by element id with names, blocks included (`process_id` says which)
    forms_added: tuple[str, ...]
    forms_removed: tuple[str, ...]
    forms_changed: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return self.elements.empty and not (self.forms_added or self.forms_removed or self.forms_changed)


def diff(session: Session, old_id: int, new_id: int) -> VersionDiff:
    """What changed from version `old_id` to version `new_id` of one programme: elements and forms."""
    old, new = get(session, old_id), get(session, new_id)
    if old.programme != new.programme:
        raise InvalidInput("version.other_programme")
    before: dict[str, str] = json.loads(old.forms_json)
    after: dict[str, str] = json.loads(new.forms_json)
    return VersionDiff(
        programme=new.programme,
        old_version=old.version,
        new_version=new.version,
        elements=diff_models(models_cache.model_for(old), models_cache.model_for(new)),
        forms_added=tuple(sorted(after.keys() - before.keys())),
        forms_removed=tuple(sorted(before.keys() - after.keys())),
        forms_changed=tuple(sorted(n for n in before.keys() & after.keys() if before[n] != after[n])),
    )
