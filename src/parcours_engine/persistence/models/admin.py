"""The administration's journal: every change an admin makes to an account or a structure.

Part of `persistence.models` (same `Base`, same metadata), like the passport's and the studio's tables.
Closed data only: ids, a closed kind, and `{field: [old, new]}` with codes (role, team, structure
code, routing code, active) or a structure's name. Never a password, never a person's free text.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from parcours_engine.persistence.models.base import Base
from parcours_engine.persistence.types import UTCDateTime


class AccountEvent(Base):
    """Who (an admin) changed what (an account or a structure), and when."""

    __tablename__ = "account_event"
    __table_args__ = (
        Index("ix_account_event_account_at", "account_id", "at"),
        Index("ix_account_event_structure_at", "structure_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    # account_created | account_changed | password_reset | deactivated | reactivated |
    # structure_created | structure_renamed
    kind: Mapped[str] = mapped_column(String(32))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("structure.id"))
    changes_json: Mapped[str] = mapped_column(Text, default="{}")  # {field: [old, new]}
