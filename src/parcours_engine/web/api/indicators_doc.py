"""The indicators' part of the OpenAPI document of /api/v1 (web.api.indicators): the supervisors'
dashboard figures per programme and period, joined by `openapi.document`."""

from __future__ import annotations

from typing import Any

from parcours_engine.web.api.openapi_helpers import STR, json_answer, op, query


def paths() -> dict[str, Any]:
    return {
        "/indicators": {
            "get": op(
                "The supervisors' dashboard figures per programme and period (supervisors, coordinators, admins)",
                {"200": json_answer(_figures(), "one entry per programme asked for")},
                400,
                403,
                parameters=[
                    query("programme", {"type": "string", "maxLength": 64}),
                    query("from", {"type": "string", "format": "date"}),
                    query("to", {"type": "string", "format": "date"}),
                    query("structure", {"type": "string", "maxLength": 40}),
                ],
            )
        },
    }


def _figures() -> dict[str, Any]:
    count = {"type": "integer", "minimum": 0}
    share = {"type": ["number", "null"], "minimum": 0, "maximum": 1}
    days = {"type": ["number", "null"]}
    breakdown = {
        "type": "object",
        "required": ["people", "women", "men", "below_baccalaureat", "priority_district", "renforce"],
        "properties": {
            k: count
            for k in ("people", "women", "men", "below_baccalaureat", "priority_district", "renforce")
        },
    }
    programme = {
        "type": "object",
        "required": ["programme", "present", "entries", "objective", "exits", "exits_by_outcome", "passport"],
        "properties": {
            "programme": STR,
            "name": STR,
            "present": breakdown,
            "entries": breakdown,
            "objective": {"type": ["integer", "null"]},
            "exits": count,
            "exits_by_outcome": {"type": "object", "additionalProperties": count},
            "positive_exits": count,
            "positive_share": share,
            "durable_employment_exits": count,
            "durable_employment_share": share,
            "idle_between_measures": {
                "type": "object",
                "properties": {"count": count, "median_days": days, "p90_days": days},
            },
            "caseloads": {"type": "array", "items": {"type": "object"}},
            "passport": {"type": "object", "description": "the employment passport's figures (seed 002)"},
        },
    }
    return {
        "type": "object",
        "required": ["from", "to", "structure", "programmes"],
        "properties": {
            "from": {"type": "string", "format": "date"},
            "to": {"type": "string", "format": "date"},
            "structure": {
                "type": ["string", "null"],
                "description": "the structure whose pathways are counted (null: every structure)",
            },
            "programmes": {"type": "array", "items": programme},
        },
    }
