"""Rows about running the service itself: the health probe's write check."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Mapped, mapped_column

from parcours_engine.persistence.models.base import Base
from parcours_engine.persistence.types import UTCDateTime


class HealthCheck(Base):
    """One row that `/healthz` writes: the database is healthy when it can take a write."""

    __tablename__ = "health_check"

    id: Mapped[int] = mapped_column(primary_key=True)
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime())
