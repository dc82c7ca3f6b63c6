"""Tables of parcours-engine.

The engine state of a pathway is one JSON document (`pathway_state`) that nothing queries. Everything a
screen filters or sorts on lives in the narrow projection rows below (`pathway`, `work_item`,
`waiting_element`), written in the same transaction as the state.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Connection,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    event,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, Mapper, mapped_column, relationship

from parcours_engine.domain.names import KEY_LENGTH, name_key
from parcours_engine.persistence.types import UTCDateTime

# Named constraints so that Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def partial_index(name: str, *columns: str, where: str, unique: bool = False) -> Index:
    """An index of the rows matching `where` only, the same on SQLite and PostgreSQL."""
    condition = text(where)
    return Index(name, *columns, unique=unique, sqlite_where=condition, postgresql_where=condition)


class Structure(Base):
    """An organisation that runs pathways: a mission locale, a CSP team, a partner."""

    __tablename__ = "structure"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))  # mission_locale | csp_team | partner


class Account(Base):
    """Someone who signs in: counsellor, coordinator, supervisor, admin, partner."""

    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(20))
    team: Mapped[str | None] = mapped_column(String(40))  # lane role code this account works in
    password_hash: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"), index=True)
    # A model's routing (e.g. IEJ's `csp_affecte`) names this code to pick the pathway's referent.
    routing_code: Mapped[str | None] = mapped_column(String(40), index=True)
    # Every session cookie carries the generation it was opened in; bumping it (sign-out, a new
    # password, deactivation, a change of rights) ends every session of the account at once.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default=text("0"))

    structure: Mapped[Structure | None] = relationship(lazy="joined")


class ApiToken(Base):
    """An API bearer token of an account: stored as its SHA-256, valid until it expires or is revoked."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 hex
    label: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_by: Mapped[str] = mapped_column(String(80))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str | None] = mapped_column(String(80))

    account: Mapped[Account] = relationship(lazy="joined")


class Throttle(Base):
    """Failed attempts of one kind (`scope`: a username, an address...) per `key`, in the database so
    that a lock holds whichever process serves the next attempt."""

    __tablename__ = "throttle"
    __table_args__ = (UniqueConstraint("scope", "key", name="uq_throttle_scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(20))
    key: Mapped[str] = mapped_column(String(120))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())


class HealthCheck(Base):
    """One row that `/healthz` writes: the database is healthy when it can take a write."""

    __tablename__ = "health_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class ProcessVersion(Base):
    """A published programme model: immutable, keyed by the hash of its BPMN files and forms."""

    __tablename__ = "process_version"
    __table_args__ = (UniqueConstraint("programme", "version", name="uq_process_version_programme_version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    filename: Mapped[str] = mapped_column(String(200))
    files_json: Mapped[str] = mapped_column(Text)  # {relative path: BPMN text}
    forms_json: Mapped[str] = mapped_column(Text)  # {form file name: JSON text}
    idle_threshold_days: Mapped[int] = mapped_column(Integer)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime())
    published_by: Mapped[str | None] = mapped_column(String(80))


class Beneficiary(Base):
    """A person followed. Closed lists and dates only: no narrative about their life."""

    __tablename__ = "beneficiary"

    id: Mapped[int] = mapped_column(primary_key=True)
    identifier: Mapped[str] = mapped_column(String(32), unique=True)
    last_name: Mapped[str] = mapped_column(String(120), index=True)
    first_name: Mapped[str] = mapped_column(String(120))
    birth_date: Mapped[date] = mapped_column(Date)
    sex: Mapped[str] = mapped_column(String(1))  # "F" | "M"
    qualification_level: Mapped[str | None] = mapped_column(String(8))  # VI, Vbis, V, IV, III, II, I
    priority_district: Mapped[bool] = mapped_column(Boolean, default=False)
    departement: Mapped[str | None] = mapped_column(String(3))
    territory: Mapped[str | None] = mapped_column(String(40))
    ase: Mapped[bool] = mapped_column(Boolean, default=False)
    mna: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # The structure that registered the person: its counsellors may find them (identity only).
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"), index=True)
    # The names without accents, case, hyphens or spaces (domain.names), kept by the listeners below:
    # with the birth date, how a registration finds the person already registered.
    name_key: Mapped[str | None] = mapped_column(String(KEY_LENGTH))

    __table_args__ = (Index("ix_beneficiary_name_key_birth_date", "name_key", "birth_date"),)


@event.listens_for(Beneficiary, "before_insert")
@event.listens_for(Beneficiary, "before_update")
def _keep_name_key(_mapper: Mapper[Beneficiary], _connection: Connection, person: Beneficiary) -> None:
    person.name_key = name_key(person.last_name or "", person.first_name or "")


class Pathway(Base):
    """The projection of one pathway that every screen reads; its engine state is in PathwayState."""

    __tablename__ = "pathway"
    __table_args__ = (
        Index("ix_pathway_next_timer_due", "next_timer_due"),
        Index("ix_pathway_programme_status", "programme", "status"),
        Index("ix_pathway_referent_status", "referent_id", "status"),
        Index("ix_pathway_status_idle_since", "status", "idle_since"),
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


class Notification(Base):
    """A message to one account inside the app (closed kinds; no free text about a person)."""

    __tablename__ = "notification"
    __table_args__ = (Index("ix_notification_account_read", "account_id", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    kind: Mapped[str] = mapped_column(String(32))
    pathway_id: Mapped[int | None] = mapped_column(ForeignKey("pathway.id"))
    detail_json: Mapped[str] = mapped_column(Text, default="{}")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class AccessLog(Base):
    """Every read and change of a person's file, every list or search (whose `shown` people or pathways,
    no one named) and every refused attempt: who, when, whose, what, through which route."""

    __tablename__ = "access_log"
    __table_args__ = (Index("ix_access_log_beneficiary_at", "beneficiary_id", "at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiary.id"))
    pathway_id: Mapped[int | None] = mapped_column(ForeignKey("pathway.id"))
    action: Mapped[str] = mapped_column(String(8))  # read | change | list | refused | export
    route: Mapped[str] = mapped_column(String(120))
    shown: Mapped[int | None] = mapped_column(Integer)  # how many rows a list showed


class IdentityCorrection(Base):
    """A correction of one identity field of a person (RGPD Art. 16): who, when, from what to what."""

    __tablename__ = "identity_correction"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    field: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[str | None] = mapped_column(String(120))
    new_value: Mapped[str | None] = mapped_column(String(120))


class Erasure(Base):
    """A person's file anonymised (RGPD Art. 17, or its retention period over): when, why, by whom
    (None: the retention job). The rows indicators count stay; what names or describes the person goes."""

    __tablename__ = "erasure"

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    basis: Mapped[str] = mapped_column(String(16))  # retention | request
    reason: Mapped[str] = mapped_column(String(300))


class ProcessElement(Base):
    """The flow nodes of a published version with their limits, queryable (written at publish time)."""

    __tablename__ = "process_element"
    __table_args__ = (
        UniqueConstraint("process_version_id", "element_id", name="uq_process_element_version_element"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    process_version_id: Mapped[int] = mapped_column(ForeignKey("process_version.id"))
    element_id: Mapped[str] = mapped_column(String(120))
    name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(40))
    measure: Mapped[bool] = mapped_column(Boolean, default=False)
    max_wait_days: Mapped[int | None] = mapped_column(Integer)


class IdlePeriod(Base):
    """A closed idle wait: from when no measure ran or was planned to when one started or was planned."""

    __tablename__ = "idle_period"
    __table_args__ = (
        Index("ix_idle_period_programme_ended_at", "programme", "ended_at", "seconds", "structure_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pathway_id: Mapped[int] = mapped_column(ForeignKey("pathway.id"), index=True)
    programme: Mapped[str] = mapped_column(String(64))
    structure_id: Mapped[int | None] = mapped_column(Integer)  # the pathway's (see Pathway.structure_id)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ended_at: Mapped[datetime] = mapped_column(UTCDateTime())
    seconds: Mapped[int] = mapped_column(Integer)  # stored so percentiles need no date arithmetic in SQL


class Objective(Base):
    """How many entries a programme aims at in a year, for one structure (set by its supervisors).

    A row without a structure is the organisation's own objective (set by an admin): the all-structures
    dashboard reads it when there is one, else the sum of the structures' objectives.
    """

    __tablename__ = "objective"
    __table_args__ = (
        UniqueConstraint("programme", "year", "structure_id", name="uq_objective_programme_year_structure"),
        partial_index(
            "uq_objective_programme_year_organisation",
            "programme",
            "year",
            where="structure_id IS NULL",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))
    entries: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(80))
