"""One small tree of domain errors, each carrying a code and its parameters.

An error says *what* went wrong as a code (`"pathway.ended"`) with parameters (`status="completed"`);
the one catalogue (`domain.messages`) turns the code into French or English for a page, the API and
the CLI. Field errors are codes too (`FieldError("required")`, `FieldError("minimum", limit=3)`), so
no layer ever matches English sentences. The web layer maps each class to an HTTP status in one place.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class FieldError:
    """What is wrong with one input field: a code of `domain.messages` and its parameters."""

    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def __init__(self, code: str, **params: Any) -> None:
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "params", dict(params))

    def __str__(self) -> str:
        from parcours_engine.domain.messages import render

        return render(self.code, self.params, "en")


FieldErrors = dict[str, list[FieldError]]


class ParcoursError(Exception):
    """Base of every error parcours-engine raises on purpose."""

    http_status = 400
    default_code = "error.failed"

    def __init__(
        self,
        code: str | None = None,
        field_errors: Mapping[str, Sequence[FieldError | str]] | None = None,
        **params: Any,
    ) -> None:
        self.code = code or self.default_code
        self.params: dict[str, Any] = params
        self.field_errors: FieldErrors = {
            name: [e if isinstance(e, FieldError) else FieldError(e) for e in errors]
            for name, errors in (field_errors or {}).items()
        }
        super().__init__(self.code)

    def message(self, language: str = "en") -> str:
        """The error in `language` (the catalogue's text; an unknown code reads as itself)."""
        from parcours_engine.domain.messages import render

        return render(self.code, self.params, language)

    def __str__(self) -> str:
        return self.message("en")


class NotFound(ParcoursError):
    http_status = 404
    default_code = "error.not_found"


class Forbidden(ParcoursError):
    http_status = 403
    default_code = "error.forbidden"


class ConflictError(ParcoursError):
    """Someone else changed the same thing first (optimistic concurrency, task already done)."""

    http_status = 409
    default_code = "error.conflict"


class InvalidInput(ParcoursError):
    """Input rejected with field errors: nothing was saved."""

    http_status = 400
    default_code = "error.invalid_input"


class Unavailable(ParcoursError):
    """The database cannot take the write now (busy past the wait, read-only, disk full)."""

    http_status = 503
    default_code = "error.unavailable"


@dataclass(frozen=True)
class ModelProblem:
    """One problem in a BPMN model or form, located for the modeller who must fix it.

    `message` is the English text the command line prints (`file:line: element: message`). A check
    that names its problem by a code of the catalogue (`coded`) also carries the code, its parameters
    and the element's name, so that the studio says it in the reader's language, naming the element
    as the modeller wrote it (`text`).
    """

    file: str
    line: int | None
    element: str
    message: str
    severity: str = "error"  # "error" blocks publishing; "warning" does not
    code: str = field(default="", compare=False)
    params: tuple[tuple[str, Any], ...] = field(default=(), compare=False)
    name: str = field(default="", compare=False)  # the element's name in the model, if it has one

    @classmethod
    def coded(
        cls,
        file: str,
        line: int | None,
        element: str,
        code: str,
        severity: str = "error",
        name: str = "",
        /,
        **params: Any,
    ) -> ModelProblem:
        """A problem named by a catalogue code; its English text is the command line's message."""
        from parcours_engine.domain.messages import render

        message = render(code, _said(params, "en"), "en")
        return cls(file, line, element, message, severity, code, tuple(sorted(params.items())), name)

    def __str__(self) -> str:
        line = "" if self.line is None else str(self.line)
        return f"{self.file}:{line}: {self.element}: {self.message}"

    def describe(self, language: str = "fr") -> str:
        """What the problem is, in `language` (the English message when it has no code)."""
        from parcours_engine.domain.messages import render

        return render(self.code, _said(dict(self.params), language), language) if self.code else self.message

    def text(self, language: str = "fr") -> str:
        """For the studio: the element by its name first (its id after it, for the coordinator), what
        is wrong in `language`, then where (`file:line`)."""
        from parcours_engine.domain.messages import render

        where = self.file if self.line is None else f"{self.file}:{self.line}"
        if self.element in ("", "document"):  # the whole file (xml.DOCUMENT) or the whole library
            who = render("check.the_file", None, language)
        elif self.name and self.name != self.element:
            who = f"« {self.name} » ({self.element})"
        else:
            who = self.element
        return render(
            "check.located", {"who": who, "what": self.describe(language), "where": where}, language
        )


def _said(params: Mapping[str, Any], language: str) -> dict[str, Any]:
    """Parameters as the reader reads them: a field's kind (`*_kind`) said in `language`."""
    from parcours_engine.domain.check_messages import kind_text

    return {
        key: kind_text(str(value), language) if key.endswith("_kind") else value
        for key, value in params.items()
    }


class ModelError(ParcoursError):
    """A model (BPMN + forms) cannot be published; carries every problem found."""

    http_status = 422
    default_code = "model.invalid"

    def __init__(self, problems: list[ModelProblem]) -> None:
        self.problems = problems
        super().__init__(self.default_code, problems="\n".join(str(p) for p in problems))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ScriptError(ParcoursError):
    """A model's script, condition or timer expression failed or was refused."""

    http_status = 422
    default_code = "model.script_failed"

    def __init__(self, detail: str) -> None:
        super().__init__(self.default_code, detail=detail)

    def __str__(self) -> str:
        return str(self.params["detail"])


class TransitionFailed(ParcoursError):
    """A transition failed mid-way: the unit of work rolls back, then records `incident`.

    `incident` describes what failed (pathway_id, at, element_id, operation, operation_data, message,
    and retry_of when a retry failed again) so that a person can see it and retry it.
    """

    http_status = 422
    default_code = "pathway.transition_failed"

    def __init__(self, detail: str, incident: dict[str, Any] | None = None) -> None:
        super().__init__(self.default_code, detail=detail)
        self.incident = incident
        self.incident_id: int | None = None
