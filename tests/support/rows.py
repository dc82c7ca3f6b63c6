"""Rows for bulk inserts in tests that set the tables up directly (Core `insert`), not through the
services: one published version, people, pathways."""

from __future__ import annotations

from datetime import date
from typing import Any

from parcours_engine.domain.clock import Clock


def version_row(clock: Clock, programme: str = "civis") -> dict[str, Any]:
    """Version 1 of `programme` (id 1), with no files: enough for rows that point to a version."""
    return {
        "id": 1,
        "programme": programme,
        "version": 1,
        "content_hash": "0" * 64,
        "name": programme.upper(),
        "filename": f"{programme}.bpmn",
        "files_json": "{}",
        "forms_json": "{}",
        "idle_threshold_days": 30,
        "published_at": clock.now(),
    }


def person_rows(clock: Clock, people: int) -> list[dict[str, Any]]:
    """People 1 to `people` (ids and identifiers PE-n), all alike."""
    return [
        {
            "id": n,
            "identifier": f"PE-{n}",
            "last_name": "Nom",
            "first_name": "Prénom",
            "sex": "F",
            "qualification_level": "IV",
            "birth_date": date(2000, 3, 4),
            "created_at": clock.now(),
        }
        for n in range(1, people + 1)
    ]


def pathway_row(n: int, person: int, programme: str, clock: Clock, **extra: Any) -> dict[str, Any]:
    """Active pathway `n` of `person` on version 1, started now."""
    return {
        "id": n,
        "programme": programme,
        "process_version_id": 1,
        "beneficiary_id": person,
        "status": "active",
        "current_elements": "",
        "started_at": clock.now(),
        "updated_at": clock.now(),
        "version": 1,
        **extra,
    }
