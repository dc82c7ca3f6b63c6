"""The OpenAPI 3.1 document of /api/v1, served at /api/v1/openapi.json (schemathesis tests it).

Each area writes its own part (`pathways_doc`, `indicators_doc`, `appointments_doc`) with the helpers
of `openapi_helpers`; this module joins them with what every operation shares (the error schema, the
bearer security scheme).
"""

from __future__ import annotations

from typing import Any

from parcours_engine.web.api import appointments_doc, indicators_doc, pathways_doc
from parcours_engine.web.api.openapi_helpers import STR


def _error_schema() -> dict[str, Any]:
    return {
        "Error": {
            "type": "object",
            "required": ["code", "message", "field_errors"],
            "properties": {
                "code": STR,  # stable: clients branch on it (the message follows the language)
                "message": STR,
                "field_errors": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {"code": STR, "message": STR},
                        },
                    },
                },
                "incident_id": {"type": "integer"},
            },
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
            "schemas": {**_error_schema(), **pathways_doc.schemas(), **appointments_doc.schemas()},
        },
        "paths": {**pathways_doc.paths(), **indicators_doc.paths(), **appointments_doc.paths()},
    }
