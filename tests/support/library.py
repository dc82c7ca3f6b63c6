"""Helpers to publish a test library and walk pathways through the services."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from parcours_engine.domain.clock import Clock
from parcours_engine.engine.loader import read_library_dir
from parcours_engine.pathways import beneficiaries, pathways
from parcours_engine.persistence.models import Pathway, WorkItem
from parcours_engine.persistence.uow import unit_of_work
from parcours_engine.studio.publishing import publish_library

FIXTURE_LIBRARY = Path(__file__).resolve().parent.parent / "fixtures" / "library"


def publish_fixture(sessions: sessionmaker[Session], clock: Clock, root: Path = FIXTURE_LIBRARY) -> None:
    bpmn, forms = read_library_dir(root / "processes", root / "forms")
    with unit_of_work(sessions) as session:
        publish_library(session, clock, bpmn, forms, "test")


def person_fields(**overrides: Any) -> dict[str, Any]:
    """A beneficiary's fields for tests: a young woman below the baccalauréat, unless overridden."""
    fields: dict[str, Any] = {
        "last_name": "Martin",
        "first_name": "Léa",
        "birth_date": date(2004, 3, 1),
        "sex": "F",
        "qualification_level": "V",
    }
    fields.update(overrides)
    return fields


def start(
    sessions: sessionmaker[Session],
    clock: Clock,
    programme: str = "reference",
    referent_id: int | None = None,
    **person: Any,
) -> int:
    with unit_of_work(sessions) as session:
        person_row = beneficiaries.create_beneficiary(session, clock, **person_fields(**person))
        return pathways.start_pathway(session, clock, programme, person_row.id, "test", referent_id).id


def open_item(session: Session, pathway_id: int) -> WorkItem:
    item = session.scalar(
        select(WorkItem)
        .where(WorkItem.pathway_id == pathway_id, WorkItem.status == "open")
        .order_by(WorkItem.id)
    )
    assert item is not None, f"pathway {pathway_id} has no open work item"
    return item


def complete_open(
    sessions: sessionmaker[Session], clock: Clock, pathway_id: int, data: dict[str, Any], actor: str = "test"
) -> Pathway:
    with unit_of_work(sessions) as session:
        item = open_item(session, pathway_id)
        return pathways.complete_work_item(session, clock, item.id, data, actor)


def snapshot(sessions: sessionmaker[Session], pathway_id: int) -> dict[str, Any]:
    """Everything stored about a pathway, to compare before/after a failed transition."""
    with sessions() as session:
        pathway = session.get(Pathway, pathway_id)
        assert pathway is not None
        items = session.scalars(
            select(WorkItem).where(WorkItem.pathway_id == pathway_id).order_by(WorkItem.id)
        )
        return {
            "version": pathway.version,
            "status": pathway.status,
            "current": pathway.current_elements,
            "idle_since": pathway.idle_since,
            "next_timer_due": pathway.next_timer_due,
            "state": pathway.state.state_json,
            "items": [(i.id, i.element_id, i.status, i.completed_by) for i in items],
        }
