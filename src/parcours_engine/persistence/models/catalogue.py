"""The published programme models (the studio's catalogue): immutable versions and their flow
nodes, queryable at publish time.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from parcours_engine.persistence.models.base import Base
from parcours_engine.persistence.types import UTCDateTime


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
