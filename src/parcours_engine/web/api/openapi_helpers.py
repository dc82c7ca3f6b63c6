"""The building blocks of the OpenAPI document of /api/v1 (`openapi.document`): the common field
schemas, and helpers for operations, their bodies, answers, errors and links. Every `*_doc` module
builds its part of the document with them."""

from __future__ import annotations

from typing import Any

STR = {"type": "string"}
NSTR = {"type": ["string", "null"]}
NDT = {"type": ["string", "null"], "format": "date-time"}
ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def text(limit: int) -> dict[str, Any]:
    """Text the API takes: not blank (`\\S`: a character other than a space) and at most `limit`."""
    return {"type": "string", "minLength": 1, "maxLength": limit, "pattern": r"\S"}


def or_null(schema: dict[str, Any]) -> dict[str, Any]:
    """An optional input field: null means not given."""
    if "enum" in schema:
        return {"enum": [*schema["enum"], None]}
    return {**schema, "type": [schema["type"], "null"]}


def optional(schema: dict[str, Any]) -> dict[str, Any]:
    """An input object whose fields not required may also be null (the API reads null as absent)."""
    required = set(schema.get("required", ()))
    properties = {
        name: field if name in required else or_null(field) for name, field in schema["properties"].items()
    }
    return {**schema, "properties": properties}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def items_of(name: str) -> dict[str, Any]:
    """A list answer: `{"items": [...]}` of the schema `name`."""
    return {
        "type": "object",
        "required": ["items"],
        "properties": {"items": {"type": "array", "items": ref(name)}},
    }


def json_answer(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def error_answers(*codes: int) -> dict[str, Any]:
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
    return {str(code): json_answer(ref("Error"), texts[code]) for code in codes}


def path_id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": ID}


def query(name: str, schema: dict[str, Any]) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema}


def op(summary: str, ok: dict[str, Any], *codes: int, **extra: Any) -> dict[str, Any]:
    """Every route may answer 401 (token), 403 (an admin without the second factor the deployment
    requires: web.api), 429 (wrong tokens from this address) and 503 (busy)."""
    always = (401, 403, 429, 503, 413) if "requestBody" in extra else (401, 403, 429, 503)
    return {"summary": summary, "responses": {**ok, **error_answers(*always, *codes)}, **extra}


def body(schema: dict[str, Any]) -> dict[str, Any]:
    if "properties" in schema:
        schema = optional(schema)
    return {"requestBody": {"required": True, "content": {"application/json": {"schema": schema}}}}


def created(schema: dict[str, Any], description: str, follow: dict[str, Any]) -> dict[str, Any]:
    """A 201 whose `Location` (and links) lead to the created resource, readable by its creator."""
    reply = json_answer(schema, description)
    reply["headers"] = {"Location": {"description": "where to read it", "schema": {"type": "string"}}}
    reply["links"] = follow
    return {"201": reply}


def link(operation: str, body: dict[str, Any] | None = None, **parameters: str) -> dict[str, Any]:
    """A link to `operation` with its path parameters (and the fields of its body) taken from this
    answer: how a client (and schemathesis's stateful run) chains person -> pathway -> task."""
    target: dict[str, Any] = {"operationId": operation, "parameters": parameters}
    if body is not None:
        target["requestBody"] = body
    return target


def links(ok: dict[str, Any], follow: dict[str, Any]) -> dict[str, Any]:
    """`ok` (a 200) with the links a client may follow from it."""
    (code,) = ok
    return {code: {**ok[code], "links": follow}}
