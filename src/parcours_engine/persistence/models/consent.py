"""The columns every recorded consent has (sharing a passport with a structure, accepting reminders
on a channel): whose it is, the day the person gave it, who recorded it and when, and its withdrawal.
Each consent table adds its scope (a structure, a channel) and its one-in-force index;
`persistence.consents` records and withdraws them alike."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from parcours_engine.persistence.types import UTCDateTime


class ConsentColumns:
    """Mixed into a consent table, before `Base` (the tables are created by the migrations only, so
    the columns' order in the database stays theirs)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    beneficiary_id: Mapped[int] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    given_on: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime())
    recorded_by: Mapped[str] = mapped_column(String(80))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    withdrawn_by: Mapped[str | None] = mapped_column(String(80))
