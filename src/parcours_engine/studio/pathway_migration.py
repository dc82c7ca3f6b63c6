"""Moving running pathways onto a newer version of their programme.

A pathway stays on the version it started with until a coordinator migrates it. A migration is
previewed first (the element each waiting token moves to); a pathway waiting at an element the new
version lacks is refused and left exactly as it was, never half-moved. Every migration is logged on
the pathway. Only coordinators and admins may migrate.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import AccountRole, PathwayStatus
from parcours_engine.domain.errors import Forbidden, InvalidInput
from parcours_engine.engine import instance_migration
from parcours_engine.engine.runtime import Workflow
from parcours_engine.pathways import models_cache, pathways, projection
from parcours_engine.persistence.models import Account, Pathway, ProcessVersion
from parcours_engine.studio import versions

MIGRATING_ROLES = frozenset({AccountRole.COORDINATOR, AccountRole.ADMIN})


@dataclass(frozen=True)
class MigrationPreview:
    pathway_id: int
    mapping: dict[str, str | None]
    refused: tuple[str, ...]  # waiting elements with no counterpart

    @property
    def possible(self) -> bool:
        return not self.refused


def preview_migration(
    session: Session, pathway_ids: list[int], target_version_id: int
) -> list[MigrationPreview]:
    target = versions.get(session, target_version_id)
    new_model = models_cache.model_for(target)
    previews = []
    for pathway_id in pathway_ids:
        pathway = _migratable(session, pathway_id, target)
        workflow = _load(pathway)
        plan = instance_migration.plan(workflow, new_model)
        previews.append(MigrationPreview(pathway.id, plan.mapping, plan.blocking))
    return previews


def migrate_pathways(
    session: Session, clock: Clock, actor: Account, pathway_ids: list[int], target_version_id: int
) -> list[MigrationPreview]:
    """Move each possible pathway onto the target version; refused ones are not touched."""
    if actor.role not in MIGRATING_ROLES:
        raise Forbidden("migration.not_allowed")
    target = versions.get(session, target_version_id)
    new_model = models_cache.model_for(target)
    results = []
    for preview in preview_migration(session, pathway_ids, target_version_id):
        if preview.possible:
            # Lock the row and re-read it: a migration applies to the newest state, never to a stale one.
            pathway = pathways.get_pathway(session, preview.pathway_id, for_update=True)
            try:
                migrated = instance_migration.apply(_load(pathway), new_model, clock)
            except instance_migration.MigrationRefused as refusal:
                results.append(MigrationPreview(preview.pathway_id, preview.mapping, (str(refusal),)))
                continue
            source = pathway.process_version
            pathway.process_version = target
            projection.save(session, pathway, migrated, new_model, clock.now(), actor.username)
            pathways.log_event(
                session,
                pathway,
                clock,
                actor.username,
                "migrated",
                {"from_version": source.version, "to_version": target.version},
            )
            pathways.flush_or_conflict(session)  # each move lands alone; a race is a 409
        results.append(preview)
    pathways.flush_or_conflict(session)
    return results


def pathways_on(session: Session, version_id: int) -> list[int]:
    """Active pathways still on a version (to migrate 'all of a version')."""
    query = select(Pathway.id).where(
        Pathway.process_version_id == version_id, Pathway.status == PathwayStatus.ACTIVE
    )
    return list(session.scalars(query.order_by(Pathway.id)))


def _migratable(session: Session, pathway_id: int, target: ProcessVersion) -> Pathway:
    pathway = pathways.get_pathway(session, pathway_id)
    if pathway.programme != target.programme:
        raise InvalidInput("migration.other_programme", pathway=pathway_id, programme=target.programme)
    if pathway.status != PathwayStatus.ACTIVE:
        raise InvalidInput("migration.pathway_ended", pathway=pathway_id)
    if pathway.process_version.version >= target.version:
        raise InvalidInput(
            "migration.already_on_version", pathway=pathway_id, version=pathway.process_version.version
        )
    return pathway


def _load(pathway: Pathway) -> Workflow:
    model = models_cache.model_for(pathway.process_version)
    return models_cache.runtime().load(model, pathway.state.state_json, pathway.state.serializer_version)
