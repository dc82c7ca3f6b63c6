"""The admins' review of the access log: "Accès inhabituels" (accounts reading many files a day)."""

from __future__ import annotations

from flask import render_template

from parcours_engine.accounts import access_review
from parcours_engine.web.admin import bp
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.auth import current_account


@bp.get("/acces-inhabituels")
def unusual_access() -> str:
    days = access_review.unusual_access(db_session(), clock(), current_account())
    return render_template(
        "admin/unusual_access.html",
        days=days,
        threshold=access_review.reads_per_day_threshold(),
        review_days=access_review.REVIEW_DAYS,
    )
