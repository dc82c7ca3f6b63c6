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


class ProgrammePerson(Base):
    """How many pathways each person has in each programme, kept by database triggers on `pathway`
    (PATHWAY_COUNT_TRIGGERS, created by migration 0018), so that no writer can forget it and two
    concurrent starts both count. The dashboard counts people, not pathways: it reads here the few
    people with several pathways of a programme (`pathways > 1`, a short range of
    ix_programme_person_repeat) instead of grouping every present pathway by person."""

    __tablename__ = "programme_person"
    __table_args__ = (Index("ix_programme_person_repeat", "programme", "pathways", "beneficiary_id"),)

    programme: Mapped[str] = mapped_column(String(64), primary_key=True)
    # No foreign key: a count kept by triggers. Erasure anonymises the person and keeps their
    # pathways, so this count stays too (nothing here names anyone).
    beneficiary_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pathways: Mapped[int] = mapped_column(Integer)


_COUNT = """
    INSERT INTO programme_person (programme, beneficiary_id, pathways) VALUES (NEW.programme, NEW.beneficiary_id, 1)
    ON CONFLICT (programme, beneficiary_id) DO UPDATE SET pathways = programme_person.pathways + 1;"""
_UNCOUNT = """
    UPDATE programme_person SET pathways = pathways - 1
    WHERE programme = OLD.programme AND beneficiary_id = OLD.beneficiary_id;
    DELETE FROM programme_person
    WHERE programme = OLD.programme AND beneficiary_id = OLD.beneficiary_id AND pathways <= 0;"""
_MOVED = "OLD.programme IS NOT NEW.programme OR OLD.beneficiary_id IS NOT NEW.beneficiary_id"

# (create, drop) statements per dialect. A pathway is never moved to another person or programme
# today; the update trigger keeps the counts right if one ever is.
PATHWAY_COUNT_TRIGGERS: dict[str, tuple[list[str], list[str]]] = {
    "sqlite": (
        [
            f"CREATE TRIGGER tr_pathway_count_insert AFTER INSERT ON pathway BEGIN {_COUNT} END",
            f"CREATE TRIGGER tr_pathway_count_delete AFTER DELETE ON pathway BEGIN {_UNCOUNT} END",
            "CREATE TRIGGER tr_pathway_count_update AFTER UPDATE OF programme, beneficiary_id ON pathway "
            f"WHEN {_MOVED} BEGIN {_UNCOUNT} {_COUNT} END",
        ],
        [f"DROP TRIGGER IF EXISTS tr_pathway_count_{op}" for op in ("insert", "delete", "update")],
    ),
    "postgresql": (
        [
            "CREATE FUNCTION pathway_count() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"IF TG_OP IN ('DELETE', 'UPDATE') THEN {_UNCOUNT} END IF; "
            f"IF TG_OP IN ('INSERT', 'UPDATE') THEN {_COUNT} END IF; "
            "RETURN NULL; END $$",
            "CREATE TRIGGER tr_pathway_count AFTER INSERT OR DELETE ON pathway "
            "FOR EACH ROW EXECUTE FUNCTION pathway_count()",
            "CREATE TRIGGER tr_pathway_count_update AFTER UPDATE OF programme, beneficiary_id ON pathway "
            f"FOR EACH ROW WHEN ({_MOVED.replace('IS NOT', 'IS DISTINCT FROM')}) "
            "EXECUTE FUNCTION pathway_count()",
        ],
        [
            "DROP TRIGGER IF EXISTS tr_pathway_count_update ON pathway",
            "DROP TRIGGER IF EXISTS tr_pathway_count ON pathway",
            "DROP FUNCTION IF EXISTS pathway_count()",
        ],
    ),
}
