"""A pathway and its projections: the row every screen reads, its engine state (one JSON document
that nothing queries), its work items, where it waits, its history, its referents and its incidents.
The projection rows are written in the same transaction as the state.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from parcours_engine.persistence.models.accounts import Account
from parcours_engine.persistence.models.base import Base, partial_index
from parcours_engine.persistence.models.catalogue import ProcessVersion
from parcours_engine.persistence.models.people import Beneficiary
from parcours_engine.persistence.types import UTCDateTime


class Pathway(Base):
    """The projection of one pathway that every screen reads; its engine state is in PathwayState."""

    __tablename__ = "pathway"
    __table_args__ = (
        Index("ix_pathway_next_timer_due", "next_timer_due"),
        Index("ix_pathway_programme_status", "programme", "status"),
        Index("ix_pathway_referent_status", "referent_id", "status"),
        Index("ix_pathway_status_idle_since", "status", "idle_since"),
        # The pathway lists' default order (idle first, by idle date): for one structure (counsellors,
        # supervisors), for every structure (admins).
        Index("ix_pathway_structure_idle_since", "structure_id", "idle_since"),
        Index("ix_pathway_idle_since", "idle_since"),
        # The studio's versions with their active pathways, counted per version.
        Index("ix_pathway_version_status", "process_version_id", "status"),
        Index("ix_pathway_idle_stall_at", "idle_stall_at"),
        # Partial: the stalled list reads only stalled rows (sorted, counted index-only, filtered by
        # programme or referent); and the sweep's "not stalled yet" must not pick these over the
        # deadline ranges (SQLite would otherwise walk every unflagged row).
        *(
            partial_index(f"ix_pathway_stalled_{name}", *columns, where="stalled_since IS NOT NULL")
            for name, columns in (
                ("since", ("stalled_since",)),
                ("programme", ("programme", "stalled_since")),
                ("referent", ("referent_id", "stalled_since")),
                ("structure", ("structure_id", "stalled_since")),  # a supervisor's list and count
            )
        ),
        # The dashboard, index-only, for one structure or all: people present (per person, and per
        # profile at entry, in the order GROUP BY reads them); exits; caseloads.
        Index(
            "ix_pathway_programme_people",
            "programme",
            "beneficiary_id",
            "started_at",
            "ended_at",
            "structure_id",
        ),
        Index(
            "ix_pathway_programme_profile",
            "programme",
            "entry_sex",
            "entry_qualification_level",
            "entry_priority_district",
            "started_at",
            "ended_at",
            "structure_id",
        ),
        Index("ix_pathway_programme_ended", "programme", "ended_at", "status", "outcome", "structure_id"),
        Index("ix_pathway_programme_status_referent", "programme", "status", "referent_id", "structure_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[str] = mapped_column(String(64))
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    referent_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    # Set at start and never changed (a transfer stays within the structure): rows derived from the
    # pathway (waiting_element, idle_period) copy it so that each structure's figures read one index.
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"), index=True)
    # The person's profile when the pathway started, as funders count it ("à l'entrée"): the
    # dashboard's breakdowns read it from the pathway index instead of joining every person.
    entry_sex: Mapped[str | None] = mapped_column(String(1))
    entry_qualification_level: Mapped[str | None] = mapped_column(String(8))
    entry_priority_district: Mapped[bool | None] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))  # active | completed | cancelled
    current_elements: Mapped[str] = mapped_column(Text, default="")  # comma-separated element ids
    idle_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    next_timer_due: Mapped[datetime | None] = mapped_column(UTCDateTime())
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    outcome: Mapped[str | None] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Supervision (supervision/supervision.py). A measure planned by the model (`date_prochaine_mesure`)
    # covers the pathway until the end of that day; the idle clock then starts from there.
    measure_planned_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # When an idle pathway passes its version's idle threshold (written with the projection).
    idle_stall_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stalled_since: Mapped[datetime | None] = mapped_column(UTCDateTime())
    stall_reason: Mapped[str | None] = mapped_column(String(24))  # domain.supervision.STALL_REASONS
    stall_element_id: Mapped[str | None] = mapped_column(String(120))
    # Optimistic concurrency: of two writers that read the same version, the second one fails.
    version: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012 - SQLAlchemy reads a plain dict here

    process_version: Mapped[ProcessVersion] = relationship(lazy="joined")
    beneficiary: Mapped[Beneficiary] = relationship(lazy="raise")
    state: Mapped[PathwayState] = relationship(lazy="select", uselist=False, cascade="all, delete-orphan")


class PathwayState(Base):
    """The serialized SpiffWorkflow state, without the spec (joined back from the version on load)."""

    __tablename__ = "pathway_state"

    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"), primary_key=True)
    serializer_version: Mapped[str] = mapped_column(String(32))
    state_json: Mapped[str] = mapped_column(Text)


class WorkItem(Base):
    """A user task as the inbox sees it."""

    __tablename__ = "work_item"
    __table_args__ = (
        UniqueConstraint("pathway_id", "task_uuid", name="uq_work_item_pathway_task"),
        Index("ix_work_item_assignee_status_due", "assignee_id", "status", "due_at"),
        Index("ix_work_item_lane_status_due", "lane", "status", "due_at"),
        Index("ix_work_item_status_due", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"), index=True)
    task_uuid: Mapped[str] = mapped_column(String(36))
    element_id: Mapped[str] = mapped_column(String(120))
    process_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    lane: Mapped[str | None] = mapped_column(String(40))  # role code
    form: Mapped[str | None] = mapped_column(String(120))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    status: Mapped[str] = mapped_column(String(16))  # open | completed | cancelled
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    completed_by: Mapped[str | None] = mapped_column(String(80))
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # "due soon", sent once

    pathway: Mapped[Pathway] = relationship()


class WaitingElement(Base):
    """Where a pathway waits now (user task, timer, message, measure), and since when."""

    __tablename__ = "waiting_element"

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"), index=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    structure_id: Mapped[int | None] = mapped_column(Integer)  # the pathway's (see Pathway.structure_id)
    element_id: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(40))
    measure: Mapped[bool] = mapped_column(Boolean, default=False)
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    # since + the element's maxWaitDays: past it, the pathway is stalled here (NULL: no limit).
    stall_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    pathway: Mapped[Pathway] = relationship()

    __table_args__ = (
        # `since` too: the diagram overlay's median wait per element is read from the index alone.
        Index(
            "ix_waiting_element_version_element", "process_version_id", "element_id", "since", "structure_id"
        ),
        Index("ix_waiting_element_stall_at", "stall_at"),
    )


class PathwayEvent(Base):
    """Who did what to a pathway, and when. Closed data only (ids, codes), never free text."""

    __tablename__ = "pathway_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(80))
    kind: Mapped[str] = mapped_column(String(32))
    element_id: Mapped[str | None] = mapped_column(String(120))
    detail_json: Mapped[str] = mapped_column(Text, default="{}")


class Incident(Base):
    """A transition that failed and was rolled back: visible to a person, who can retry it."""

    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_open", "resolved_at", "pathway_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    element_id: Mapped[str | None] = mapped_column(String(120))
    operation: Mapped[str] = mapped_column(String(32))  # complete_task | fire_timers | start
    operation_json: Mapped[str] = mapped_column(Text, default="{}")  # what a retry replays
    message: Mapped[str] = mapped_column(Text)
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    resolved_by: Mapped[str | None] = mapped_column(String(80))


class ReferentAssignment(Base):
    """Who was a pathway's referent, from when to when. One open row (ended_at NULL) per pathway."""

    __tablename__ = "referent_assignment"
    __table_args__ = (
        partial_index("uq_referent_assignment_active", "pathway_id", where="ended_at IS NULL", unique=True),
        Index("ix_referent_assignment_kind_ends_on", "kind", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    kind: Mapped[str] = mapped_column(String(12))  # permanent | temporary
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ends_on: Mapped[date | None] = mapped_column(Date)  # temporary only: the last day of the cover
    returns_to_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))  # temporary only
    assigned_by: Mapped[str] = mapped_column(String(80))

    account: Mapped[Account] = relationship(foreign_keys=[account_id], lazy="joined")
