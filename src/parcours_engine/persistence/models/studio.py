"""Drafts of programme models: what a coordinator is editing before it becomes a published version.

Part of `persistence.models` (same `Base`, same metadata), like the passport's tables. A draft holds the
whole library its programme needs (its own BPMN file, every block it calls, every form), so that it
can be checked and published as a whole; it never holds a file the loader refuses to parse or a
script the restricted environment refuses (studio.studio gates every write).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from parcours_engine.persistence.models.base import Base
from parcours_engine.persistence.types import UTCDateTime


class ModelDraft(Base):
    """One programme's library being edited; published drafts are deleted (the version remains)."""

    __tablename__ = "model_draft"

    id: Mapped[int] = mapped_column(primary_key=True)
    programme: Mapped[str] = mapped_column(String(64), index=True)
    # The version it started from (None for a new programme); the diff and the editor compare to it.
    base_version_id: Mapped[int | None] = mapped_column(ForeignKey("process_version.id"))
    files_json: Mapped[str] = mapped_column(Text)  # {relative path: BPMN text}
    forms_json: Mapped[str] = mapped_column(Text)  # {form file name: JSON text}
    author: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Who saved last: a coordinator whose save is refused as stale is told who saved before them.
    updated_by: Mapped[str] = mapped_column(String(80))
    # Optimistic concurrency: two coordinators saving the same draft do not overwrite each other.
    revision: Mapped[int] = mapped_column(Integer, nullable=False)

    __mapper_args__ = {"version_id_col": revision}  # noqa: RUF012 - SQLAlchemy reads a plain dict here
