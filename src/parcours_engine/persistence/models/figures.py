"""What the supervision figures read besides the pathways: closed idle periods and the yearly
objectives of each programme, per structure or for the organisation.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from parcours_engine.persistence.models.base import Base, partial_index
from parcours_engine.persistence.types import UTCDateTime


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
