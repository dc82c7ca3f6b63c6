"""One small tree of domain errors; the web layer maps each to an HTTP status in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class ParcoursError(Exception):
    """Base of every error parcours-engine raises on purpose."""

    http_status = 400


class NotFound(ParcoursError):
    http_status = 404


class Forbidden(ParcoursError):
    http_status = 403


class ConflictError(ParcoursError):
    """Someone else changed the same thing first (optimistic concurrency, task already done)."""

    http_status = 409


class InvalidInput(ParcoursError):
    """Input rejected with field errors: nothing was saved."""

    http_status = 400

    def __init__(self, message: str, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.field_errors = field_errors or {}


@dataclass(frozen=True)
class ModelProblem:
    """One problem in a BPMN model or form, located for the modeller who must fix it."""

    file: str
    line: int | None
    element: str
    message: str
    severity: str = "error"  # "error" blocks publishing; "warning" does not

    def __str__(self) -> str:
        line = "" if self.line is None else str(self.line)
        return f"{self.file}:{line}: {self.element}: {self.message}"


class ModelError(ParcoursError):
    """A model (BPMN + forms) cannot be published; carries every problem found."""

    http_status = 422

    def __init__(self, problems: list[ModelProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class ScriptError(ParcoursError):
    """A model's script, condition or timer expression failed or was refused."""

    http_status = 422


class TransitionFailed(ParcoursError):
    """A transition failed mid-way: the unit of work rolls back, then records `incident`.

    `incident` describes what failed (pathway_id, at, element_id, operation, operation_data, message,
    and retry_of when a retry failed again) so that a person can see it and retry it.
    """

    http_status = 422

    def __init__(self, message: str, incident: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.incident = incident
        self.incident_id: int | None = None
