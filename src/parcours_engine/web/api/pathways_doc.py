"""The people, pathways and work items' part of the OpenAPI document of /api/v1 (web.api.routes),
joined by `openapi.document`: their schemas, their paths and the links a client follows between them."""

from __future__ import annotations

from typing import Any

from parcours_engine.domain.outcomes import BY_CODE
from parcours_engine.web.api.openapi_helpers import (
    ID,
    NDT,
    NSTR,
    STR,
    body,
    created,
    items_of,
    json_answer,
    link,
    links,
    op,
    optional,
    path_id,
    query,
    ref,
    text,
)


def _pathway_links() -> dict[str, Any]:
    """What a client does from a pathway it read: claim or complete its first task (oldest first),
    the row version it read sent to detect a conflict; transfer it; read the person."""
    item = "$response.body#/work_items/0/id"
    return {
        "ClaimWorkItem": link("claimWorkItem", work_item_id=item),
        "CompleteWorkItem": link(
            "completeWorkItem", body={"expected_version": "$response.body#/row_version"}, work_item_id=item
        ),
        "TransferReferent": link("transferReferent", pathway_id="$response.body#/id"),
        "GetBeneficiary": link("getBeneficiary", beneficiary_id="$response.body#/beneficiary_id"),
    }


def schemas() -> dict[str, Any]:
    return {
        "BeneficiaryInput": optional(
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["last_name", "first_name", "birth_date", "sex"],
                "properties": {
                    "last_name": text(120),
                    "first_name": text(120),
                    "birth_date": {"type": "string", "format": "date"},
                    "sex": {"enum": ["F", "M"]},
                    "qualification_level": {"enum": ["VI", "Vbis", "V", "IV", "III", "II", "I"]},
                    "departement": {"type": "string", "pattern": "^([0-9]{2,3}|2[AB])$"},  # 03, 971, 2A
                    "territory": text(40),
                    "priority_district": {"type": "boolean"},
                    "ase": {"type": "boolean"},
                    "mna": {"type": "boolean"},
                    # true: register even though someone has the same names and birth date (a 409)
                    "confirm_duplicate": {"type": "boolean"},
                },
            }
        ),
        "DuplicateError": {
            "allOf": [
                ref("Error"),
                {
                    "type": "object",
                    "required": ["candidates", "followed_elsewhere"],
                    "properties": {
                        # the people with the same names (accents, case, hyphens and spaces apart)
                        # and birth date that the caller may find; others are only counted
                        "candidates": {"type": "array", "items": ref("Beneficiary")},
                        "followed_elsewhere": {"type": "integer", "minimum": 0},
                    },
                },
            ]
        },
        "Beneficiary": {
            "type": "object",
            "required": ["id", "identifier", "last_name", "first_name", "birth_date", "sex"],
            "properties": {
                "id": ID,
                "identifier": STR,
                "last_name": STR,
                "first_name": STR,
                "birth_date": {"type": "string", "format": "date"},
                "sex": {"enum": ["F", "M"]},
                "qualification_level": NSTR,
                "priority_district": {"type": "boolean"},
                "departement": NSTR,
                "territory": NSTR,
                "ase": {"type": "boolean"},
                "mna": {"type": "boolean"},
                "pathways": {"type": "array", "items": ref("Pathway")},
            },
        },
        "Pathway": {
            "type": "object",
            "required": ["id", "programme", "beneficiary_id", "status", "row_version"],
            "properties": {
                "id": ID,
                "programme": STR,
                "version": {"type": "integer"},
                "beneficiary_id": ID,
                "referent_id": {"type": ["integer", "null"]},
                "referent_name": NSTR,
                "structure_id": {"type": ["integer", "null"]},
                "status": {"enum": ["active", "completed", "cancelled"]},
                "current_elements": {"type": "array", "items": STR},
                "idle_since": NDT,
                "started_at": {"type": "string", "format": "date-time"},
                "ended_at": NDT,
                "outcome": {"type": ["string", "null"], "description": f"one of {', '.join(BY_CODE)}"},
                "row_version": {
                    "type": "integer",
                    "description": "send as expected_version to detect conflicts",
                },
                "work_items": {"type": "array", "items": ref("WorkItem")},
            },
        },
        "WorkItem": {
            "type": "object",
            "required": ["id", "pathway_id", "element_id", "name", "status"],
            "properties": {
                "id": ID,
                "pathway_id": ID,
                "programme": NSTR,
                "element_id": STR,
                "name": STR,
                "lane": NSTR,
                "form": {"type": ["string", "null"], "description": "JSON Schema file the data must satisfy"},
                "assignee_id": {"type": ["integer", "null"]},
                "status": {"enum": ["open", "completed", "cancelled"]},
                "due_at": NDT,
                "created_at": {"type": "string", "format": "date-time"},
                "completed_at": NDT,
                "completed_by": NSTR,
            },
        },
    }


def paths() -> dict[str, Any]:
    beneficiaries = items_of("Beneficiary")
    pathway_list = items_of("Pathway")
    counts = {"type": "object", "properties": {k: {"type": "integer"} for k in ("mine", "team", "overdue")}}
    inbox = {
        "type": "object",
        "required": ["mine", "team", "counts"],
        "properties": {
            "mine": {"type": "array", "items": ref("WorkItem")},
            "team": {"type": "array", "items": ref("WorkItem")},
            "counts": counts,
        },
    }
    return {
        "/beneficiaries": {
            "get": op(
                "Search the people you may see: at least one criterion, each given must match; results"
                " say who the person is, not their situation (no ASE/MNA flags); the search is logged",
                {"200": json_answer(beneficiaries, "matching people, at most 100")},
                400,
                403,
                parameters=[
                    query("name", {"type": "string", "maxLength": 120}),
                    query("birth_date", {"type": "string", "format": "date"}),
                    query("identifier", {"type": "string", "maxLength": 32}),
                ],
            ),
            "post": op(
                "Register a person in your structure; a person already registered with the same names"
                " (accents, case, hyphens and spaces apart) and birth date answers 409 with the"
                " candidates you may see, unless confirm_duplicate is true",
                {
                    "409": json_answer(ref("DuplicateError"), "possibly a person already registered"),
                    **created(
                        ref("Beneficiary"),
                        "registered",
                        {
                            "GetBeneficiary": link("getBeneficiary", beneficiary_id="$response.body#/id"),
                            # The programme is the client's choice: the generated body keeps its own.
                            "StartPathway": link(
                                "startPathway", body={"beneficiary_id": "$response.body#/id"}
                            ),
                        },
                    ),
                },
                400,
                403,
                **body(ref("BeneficiaryInput")),
            ),
        },
        "/beneficiaries/{beneficiary_id}": {
            "get": op(
                "A person and all their pathways",
                {"200": json_answer(ref("Beneficiary"), "the person")},
                403,
                404,
                operationId="getBeneficiary",
                parameters=[path_id("beneficiary_id")],
            )
        },
        "/pathways": {
            "get": op(
                "Pathways you may see (the list is logged)",
                {"200": json_answer(pathway_list, "pathways, at most 500")},
                400,
                403,
                parameters=[
                    query("programme", {"type": "string", "maxLength": 64}),
                    query("referent_id", ID),
                    query("status", {"enum": ["active", "completed", "cancelled"]}),
                ],
            ),
            "post": op(
                "Start a pathway in a programme for a person",
                created(
                    ref("Pathway"),
                    "started",
                    {"GetPathway": link("getPathway", pathway_id="$response.body#/id")},
                ),
                400,
                403,
                404,
                422,
                operationId="startPathway",
                **body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["programme", "beneficiary_id"],
                        "properties": {"programme": text(64), "beneficiary_id": ID, "referent_id": ID},
                    }
                ),
            ),
        },
        "/pathways/{pathway_id}": {
            "get": op(
                "A pathway with its work items",
                links({"200": json_answer(ref("Pathway"), "the pathway")}, _pathway_links()),
                403,
                404,
                operationId="getPathway",
                parameters=[path_id("pathway_id")],
            )
        },
        "/pathways/{pathway_id}/referent": {
            "post": op(
                "Transfer the referent (permanent, or temporary until ends_on)",
                links(
                    {"200": json_answer(ref("Pathway"), "transferred; old and new referent are notified")},
                    {"GetPathway": link("getPathway", pathway_id="$response.body#/id")},
                ),
                400,
                403,
                404,
                409,
                operationId="transferReferent",
                parameters=[path_id("pathway_id")],
                **body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["referent_id"],
                        "properties": {
                            "referent_id": ID,
                            "kind": {"enum": ["permanent", "temporary"]},
                            "ends_on": {"type": "string", "format": "date"},
                        },
                    }
                ),
            )
        },
        "/work-items": {
            "get": op(
                "My open tasks and my team's unclaimed ones, overdue first (coordinators and"
                " supervisors have none: 403)",
                {"200": json_answer(inbox, "the inbox; counts match the lists")},
                400,
                403,
                parameters=[
                    query("programme", {"type": "string", "maxLength": 64}),
                    query("due", {"enum": ["overdue", "today", "week", "none"]}),
                ],
            )
        },
        "/work-items/{work_item_id}/claim": {
            "post": op(
                "Take an unclaimed task of your team",
                links(
                    {"200": json_answer(ref("WorkItem"), "now yours")},
                    {
                        "CompleteWorkItem": link("completeWorkItem", work_item_id="$response.body#/id"),
                        "GetPathway": link("getPathway", pathway_id="$response.body#/pathway_id"),
                    },
                ),
                403,
                404,
                409,
                operationId="claimWorkItem",
                parameters=[path_id("work_item_id")],
            )
        },
        "/work-items/{work_item_id}/complete": {
            "post": op(
                "Complete a task with its form's data",
                links(
                    {"200": json_answer(ref("Pathway"), "the pathway after the step")},
                    {"GetPathway": link("getPathway", pathway_id="$response.body#/id")},
                ),
                400,
                403,
                404,
                409,
                422,
                operationId="completeWorkItem",
                parameters=[path_id("work_item_id")],
                **body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["data"],
                        "properties": {
                            "data": {"type": "object"},
                            "expected_version": {"type": "integer", "minimum": 0, "maximum": 2**31 - 1},
                        },
                    }
                ),
            )
        },
    }
