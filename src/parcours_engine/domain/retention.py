"""How long personal data is kept (RGPD Art. 5(1)(e)): the rules the retention job applies and the
register of personal data shows.

- A person's file (identity, pathways' data, passport, uploads, the access log about them) is kept
  for a period after the last exit of their last pathway: 2 years unless the programme says otherwise
  (`PARCOURS_RETENTION_YEARS`, and `PARCOURS_RETENTION_YEARS_<PROGRAMME>` for one programme).
- The access log is kept 12 months (`PARCOURS_ACCESS_LOG_MONTHS`), as the CNIL recommends for logs.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

DEFAULT_YEARS = 2
DEFAULT_ACCESS_LOG_MONTHS = 12


@dataclass(frozen=True)
class RetentionRules:
    years: int = DEFAULT_YEARS  # after the last exit, for a programme without a rule of its own
    by_programme: Mapping[str, int] = field(default_factory=dict)
    access_log_months: int = DEFAULT_ACCESS_LOG_MONTHS

    def years_for(self, programme: str) -> int:
        return self.by_programme.get(programme, self.years)

    def file_kept_until(self, programme: str, ended_at: datetime) -> datetime:
        return ended_at + timedelta(days=round(365.25 * self.years_for(programme)))

    def access_log_cutoff(self, now: datetime) -> datetime:
        """Access-log rows older than this are purged."""
        return now - timedelta(days=round(30.4375 * self.access_log_months))


def _positive(name: str, value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError(f"{name} must be a positive number, not {value}")
    return number


def rules_from(environ: Mapping[str, str] = os.environ) -> RetentionRules:
    """The rules as the deployment sets them (environment variables; defaults otherwise)."""
    prefix = "PARCOURS_RETENTION_YEARS_"
    by_programme = {
        name.removeprefix(prefix).lower(): _positive(name, value)
        for name, value in environ.items()
        if name.startswith(prefix)
    }
    return RetentionRules(
        years=_positive(
            "PARCOURS_RETENTION_YEARS", environ.get("PARCOURS_RETENTION_YEARS", str(DEFAULT_YEARS))
        ),
        by_programme=by_programme,
        access_log_months=_positive(
            "PARCOURS_ACCESS_LOG_MONTHS",
            environ.get("PARCOURS_ACCESS_LOG_MONTHS", str(DEFAULT_ACCESS_LOG_MONTHS)),
        ),
    )
