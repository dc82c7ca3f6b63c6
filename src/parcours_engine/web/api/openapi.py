"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json (schemathesis tests it)."""

from __future__ import annotations

from typing import Any

from parcours_engine.domain.outcomes import BY_CODE
from parcours_engine.web.api import appointments_doc

_STR = {"type": "string"}
_NSTR = {"type": ["string", "null"]}
_NDT = {"type": ["string", "null"], "format": "date-time"}
_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def _text(limit: int) -> dict[str, Any]:
    """Text the API takes: not blank (`\\S`: a character other than a space) and at most `limit`."""
    return {"type": "string", "minLength": 1, "maxLength": limit, "pattern": r"\S"}


def _or_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional input field: null means not given."""
    if "enum" in schema:
        return {"enum": [*schema["enum"], None]}
    return {**schema, "type": [schema["type"], "null"]}


def _optional(schema: dict[str, Any]) -> dict[str, Any]:
    """An input object whose fields not required may also be null (the API reads null as absent)."""
    required = set(schema.get("required", ()))
    properties = {
        name: field if name in required else _or_null(field) for name, field in schema["properties"].items()
    }
    return {**schema, "properties": properties}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    texts = {
        400: "invalid input (field_errors name each field)",
        401: "missing or invalid bearer token",
        403: "not in your caseload or not allowed for your role, or an admin whose deployment requires a "
        "second factor has none yet (token.second_factor_required)",
        404: "no such resource",
        409: "someone else changed or completed it first",
        413: "the body is larger than the server takes",
        422: "the model failed at this step (an incident was recorded)",
        429: "too many wrong tokens from this address: wait Retry-After seconds",
        503: "the database cannot take a write for now: retry after Retry-After seconds",
    }
    return {str(code): _json(_ref("Error"), texts[code]) for code in codes}


def _path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _ID}


def _query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def _op(summary: str, ok: dict[str, Any], *errors: int, **extra: Any) -> dict[str, Any]:
    """Every route may answer 401 (token), 403 (an admin without the second factor the deployment
    requires: web.api), 429 (wrong tokens from this address) and 503 (busy)."""
    always = (401, 403, 429, 503, 413) if "requestBody" in extra else (401, 403, 429, 503)
    return {"summary": summary, "responses": {**ok, **_errors(*always, *errors)}, **extra}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    if "properties" in schema:
        schema = _optional(schema)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def _created(schema: dict[str, Any], description: str, links: dict[str, Any]) -> dict[str, Any]:
    """A 201 whose `Location` (and links) lead to the created resource, readable by its creator."""
    answer = _json(schema, description)
    answer["headers"] = {"Location": {"description": "where to read it", "schema": {"type": "string"}}}
    answer["links"] = links
    return {"201": answer}


def _link(operation: str, body: dict[str, Any] | None = None, **parameters: str) -> dict[str, Any]:
    """A link to `operation` with its path parameters (and the fields of its body) taken from this
    answer: how a client (and schemathesis's stateful run) chains person -> pathway -> task."""
    link: dict[str, Any] = {"operationId": operation, "parameters": parameters}
    if body is not None:
        link["requestBody"] = body
    return link


def _links(answer: dict[str, Any], links: dict[str, Any]) -> dict[str, Any]:
    """`answer` (a 200) with the links a client may follow from it."""
    (code,) = answer
    return {code: {**answer[code], "links": links}}


def _pathway_links() -> dict[str, Any]:
    """What a client does from a pathway it read: claim or complete its first task (oldest first),
    the row version it read sent to detect a conflict; transfer it; read the person."""
    item = "$response.body#/work_items/0/id"
    return {
        "ClaimWorkItem": _link("claimWorkItem", work_item_id=item),
        "CompleteWorkItem": _link(
            "completeWorkItem", body={"expected_version": "$response.body#/row_version"}, work_item_id=item
        ),
        "TransferReferent": _link("transferReferent", pathway_id="$response.body#/id"),
        "GetBeneficiary": _link("getBeneficiary", beneficiary_id="$response.body#/beneficiary_id"),
    }


def _schemas() -> dict[str, Any]:
    return {
        "Error": {
            "type": "object",
            "required": ["code", "message", "field_errors"],
            "properties": {
                "code": _STR,  # stable: clients branch on it (the message follows the language)
                "message": _STR,
                "field_errors": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {"code": _STR, "message": _STR},
                        },
                    },
                },
                "incident_id": {"type": "integer"},
            },
        },
        "BeneficiaryInput": _optional(
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["last_name", "first_name", "birth_date", "sex"],
                "properties": {
                    "last_name": _text(120),
                    "first_name": _text(120),
                    "birth_date": {"type": "string", "format": "date"},
                    "sex": {"enum": ["F", "M"]},
                    "qualification_level": {"enum": ["VI", "Vbis", "V", "IV", "III", "II", "I"]},
                    "departement": {"type": "string", "pattern": "^([0-9]{2,3}|2[AB])$"},  # 03, 971, 2A
                    "territory": _text(40),
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
                _ref("Error"),
                {
                    "type": "object",
                    "required": ["candidates", "followed_elsewhere"],
                    "properties": {
                        # the people with the same names (accents, case, hyphens and spaces apart)
                        # and birth date that the caller may find; others are only counted
                        "candidates": {"type": "array", "items": _ref("Beneficiary")},
                        "followed_elsewhere": {"type": "integer", "minimum": 0},
                    },
                },
            ]
        },
        "Beneficiary": {
            "type": "object",
            "required": ["id", "identifier", "last_name", "first_name", "birth_date", "sex"],
            "properties": {
                "id": _ID,
                "identifier": _STR,
                "last_name": _STR,
                "first_name": _STR,
                "birth_date": {"type": "string", "format": "date"},
                "sex": {"enum": ["F", "M"]},
                "qualification_level": _NSTR,
                "priority_district": {"type": "boolean"},
                "departement": _NSTR,
                "territory": _NSTR,
                "ase": {"type": "boolean"},
                "mna": {"type": "boolean"},
                "pathways": {"type": "array", "items": _ref("Pathway")},
            },
        },
        "Pathway": {
            "type": "object",
            "required": ["id", "programme", "beneficiary_id", "status", "row_version"],
            "properties": {
                "id": _ID,
                "programme": _STR,
                "version": {"type": "integer"},
                "beneficiary_id": _ID,
                "referent_id": {"type": ["integer", "null"]},
                "referent_name": _NSTR,
                "structure_id": {"type": ["integer", "null"]},
                "status": {"enum": ["active", "completed", "cancelled"]},
                "current_elements": {"type": "array", "items": _STR},
                "idle_since": _NDT,
                "started_at": {"type": "string", "format": "date-time"},
                "ended_at": _NDT,
                "outcome": {"type": ["string", "null"], "description": f"one of {', '.join(BY_CODE)}"},
                "row_version": {
                    "type": "integer",
                    "description": "send as expected_version to detect conflicts",
                },
                "work_items": {"type": "array", "items": _ref("WorkItem")},
            },
        },
        "WorkItem": {
            "type": "object",
            "required": ["id", "pathway_id", "element_id", "name", "status"],
            "properties": {
                "id": _ID,
                "pathway_id": _ID,
                "programme": _NSTR,
                "element_id": _STR,
                "name": _STR,
                "lane": _NSTR,
                "form": {"type": ["string", "null"], "description": "JSON Schema file the data must satisfy"},
                "assignee_id": {"type": ["integer", "null"]},
                "status": {"enum": ["open", "completed", "cancelled"]},
                "due_at": _NDT,
                "created_at": {"type": "string", "format": "date-time"},
                "completed_at": _NDT,
                "completed_by": _NSTR,
            },
        },
    }


def _paths() -> dict[str, Any]:
    items = {"type": "object", "required": ["items"]}
    beneficiaries = {**items, "properties": {"items": {"type": "array", "items": _ref("Beneficiary")}}}
    pathway_list = {**items, "properties": {"items": {"type": "array", "items": _ref("Pathway")}}}
    counts = {"type": "object", "properties": {k: {"type": "integer"} for k in ("mine", "team", "overdue")}}
    inbox = {
        "type": "object",
        "required": ["mine", "team", "counts"],
        "properties": {
            "mine": {"type": "array", "items": _ref("WorkItem")},
            "team": {"type": "array", "items": _ref("WorkItem")},
            "counts": counts,
        },
    }
    return {
        "/beneficiaries": {
            "get": _op(
                "Search the people you may see: at least one criterion, each given must match; results"
                " say who the person is, not their situation (no ASE/MNA flags); the search is logged",
                {"200": _json(beneficiaries, "matching people, at most 100")},
                400,
                403,
                parameters=[
                    _query("name", {"type": "string", "maxLength": 120}),
                    _query("birth_date", {"type": "string", "format": "date"}),
                    _query("identifier", {"type": "string", "maxLength": 32}),
                ],
            ),
            "post": _op(
                "Register a person in your structure; a person already registered with the same names"
                " (accents, case, hyphens and spaces apart) and birth date answers 409 with the"
                " candidates you may see, unless confirm_duplicate is true",
                {
                    "409": _json(_ref("DuplicateError"), "possibly a person already registered"),
                    **_created(
                        _ref("Beneficiary"),
                        "registered",
                        {
                            "GetBeneficiary": _link("getBeneficiary", beneficiary_id="$response.body#/id"),
                            # The programme is the client's choice: the generated body keeps its own.
                            "StartPathway": _link(
                                "startPathway", body={"beneficiary_id": "$response.body#/id"}
                            ),
                        },
                    ),
                },
                400,
                403,
                **_body(_ref("BeneficiaryInput")),
            ),
        },
        "/beneficiaries/{beneficiary_id}": {
            "get": _op(
                "A person and all their pathways",
                {"200": _json(_ref("Beneficiary"), "the person")},
                403,
                404,
                operationId="getBeneficiary",
                parameters=[_path_id("beneficiary_id")],
            )
        },
        "/pathways": {
            "get": _op(
                "Pathways you may see (the list is logged)",
                {"200": _json(pathway_list, "pathways, at most 500")},
                400,
                403,
                parameters=[
                    _query("programme", {"type": "string", "maxLength": 64}),
                    _query("referent_id", _ID),
                    _query("status", {"enum": ["active", "completed", "cancelled"]}),
                ],
            ),
            "post": _op(
                "Start a pathway in a programme for a person",
                _created(
                    _ref("Pathway"),
                    "started",
                    {"GetPathway": _link("getPathway", pathway_id="$response.body#/id")},
                ),
                400,
                403,
                404,
                422,
                operationId="startPathway",
                **_body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["programme", "beneficiary_id"],
                        "properties": {"programme": _text(64), "beneficiary_id": _ID, "referent_id": _ID},
                    }
                ),
            ),
        },
        "/pathways/{pathway_id}": {
            "get": _op(
                "A pathway with its work items",
                _links({"200": _json(_ref("Pathway"), "the pathway")}, _pathway_links()),
                403,
                404,
                operationId="getPathway",
                parameters=[_path_id("pathway_id")],
            )
        },
        "/pathways/{pathway_id}/referent": {
            "post": _op(
                "Transfer the referent (permanent, or temporary until ends_on)",
                _links(
                    {"200": _json(_ref("Pathway"), "transferred; old and new referent are notified")},
                    {"GetPathway": _link("getPathway", pathway_id="$response.body#/id")},
                ),
                400,
                403,
                404,
                409,
                operationId="transferReferent",
                parameters=[_path_id("pathway_id")],
                **_body(
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["referent_id"],
                        "properties": {
                            "referent_id": _ID,
                            "kind": {"enum": ["permanent", "temporary"]},
                            "ends_on": {"type": "string", "format": "date"},
                        },
                    }
                ),
            )
        },
        "/work-items": {
            "get": _op(
                "My open tasks and my team's unclaimed ones, overdue first (coordinators and"
                " supervisors have none: 403)",
                {"200": _json(inbox, "the inbox; counts match the lists")},
                400,
                403,
                parameters=[
                    _query("programme", {"type": "string", "maxLength": 64}),
                    _query("due", {"enum": ["overdue", "today", "week", "none"]}),
                ],
            )
        },
        "/indicators": {
            "get": _op(
                "The supervisors' dashboard figures per programme and period (supervisors, coordinators, admins)",
                {"200": _json(_indicators(), "one entry per programme asked for")},
                400,
                403,
                parameters=[
                    _query("programme", {"type": "string", "maxLength": 64}),
                    _query("from", {"type": "string", "format": "date"}),
                    _query("to", {"type": "string", "format": "date"}),
                    _query("structure", {"type": "string", "maxLength": 40}),
                ],
            )
        },
        "/work-items/{work_item_id}/claim": {
            "post": _op(
                "Take an unclaimed task of your team",
                _links(
                    {"200": _json(_ref("WorkItem"), "now yours")},
                    {
                        "CompleteWorkItem": _link("completeWorkItem", work_item_id="$response.body#/id"),
                        "GetPathway": _link("getPathway", pathway_id="$response.body#/pathway_id"),
                    },
                ),
                403,
                404,
                409,
                operationId="claimWorkItem",
                parameters=[_path_id("work_item_id")],
            )
        },
        "/work-items/{work_item_id}/complete": {
            "post": _op(
                "Complete a task with its form's data",
                _links(
                    {"200": _json(_ref("Pathway"), "the pathway after the step")},
                    {"GetPathway": _link("getPathway", pathway_id="$response.body#/id")},
                ),
                400,
                403,
                404,
                409,
                422,
                operationId="completeWorkItem",
                parameters=[_path_id("work_item_id")],
                **_body(
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


def _indicators() -> dict[str, Any]:
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
            "programme": _STR,
            "name": _STR,
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


def document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "parcours-engine API",
            "version": "1",
            "description": "Insertion pathways: people, pathways, tasks. Same rights as the token's account.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {**_schemas(), **appointments_doc.schemas()},
        },
        "paths": {**_paths(), **appointments_doc.paths(_op, _json, _ref, _body, _path_id, _text)},
    }
