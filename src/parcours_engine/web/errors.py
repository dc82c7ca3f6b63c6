"""Errors to HTTP, in one place: JSON under /api, pages in the reader's language elsewhere.

Every error carries a code (domain/errors.py) that the one catalogue (domain/messages.py) renders in
French or English. Under /api, and for any request with a JSON body, an error is
`{"code", "message", "field_errors": {field: [{"code", "message"}]}}`, an unexpected one included
(logged, then a JSON 500): never an HTML page, never a traceback. The server log says where an
unexpected error happened (its type and frames) but not its message, which may quote personal data;
the full error is logged at DEBUG level only. A failed transition's incident is
recorded by the unit of work before the answer leaves (its id is in the answer).
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Mapping, Sequence
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.wrappers import Response as BaseResponse

from parcours_engine.domain.errors import FieldError, ModelError, ParcoursError, TransitionFailed
from parcours_engine.domain.messages import render
from parcours_engine.persistence.uow import as_domain_error

log = logging.getLogger(__name__)

# The page's heading per status; the error's own message is the detail below it.
_TITLES = {
    400: "error.invalid_input",
    401: "error.unauthorized",
    403: "error.forbidden",
    404: "error.not_found",
    405: "error.method_not_allowed",
    409: "error.conflict",
    413: "error.too_large",
    503: "error.unavailable",
}
_HTTP_CODES = {400: "error.bad_request", **{k: v for k, v in _TITLES.items() if k != 400}}


def register(app: Flask) -> None:
    app.register_error_handler(ParcoursError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def language() -> str:
    return str(get_locale() or "fr")


def text(code: str, params: Mapping[str, Any] | None = None) -> str:
    """A catalogue code in the reader's language."""
    return render(code, params, language())


def field_message(error: FieldError | str) -> str:
    """One field error in the reader's language."""
    if isinstance(error, FieldError):
        return render(error.code, error.params, language())
    return render(error, None, language())


def field_messages(errors: Mapping[str, Sequence[FieldError | str]]) -> dict[str, list[str]]:
    """Field errors as the page shows them next to each field."""
    return {name: [field_message(e) for e in found] for name, found in errors.items()}


def field_labels() -> dict[str, str]:
    """What a person calls the fields an error page may name (the form's own labels); a field not
    listed is shown by its message alone, never by its technical name."""
    return {
        "referent": _("Nouveau référent"),
        "referent_id": _("Référent"),
        "kind": _("Type"),
        "ends_on": _("Date de fin"),
        "pathway": _("Parcours"),
        "parcours": _("Parcours"),
        "outcome": _("Issue"),
        "programme": _("Programme"),
        "status": _("Statut"),
        "statut": _("Statut"),
        "due": _("Échéance"),
        "echeance": _("Échéance"),
        "assessed_on": _("Date de l'actualisation"),
        "experience_id": _("Période concernée"),
        "company": _("Entreprise"),
        "sector": _("Secteur"),
        "rome_code": _("Code ROME"),
        "started_on": _("Du"),
        "ended_on": _("Au"),
        "reference_obtained": _("Référence obtenue"),
        "issued_on": _("Daté du"),
        "file": _("Fichier"),
        "structure_id": _("Structure"),
        "given_on": _("Accord donné le"),
        "birth_date": _("Date de naissance"),
        "naissance": _("Date de naissance"),
        "from": _("Du"),
        "to": _("Au"),
        "year": _("Année"),
        "page": _("Page"),
    }


def labelled_field_messages(errors: Mapping[str, Sequence[FieldError | str]]) -> list[tuple[str, list[str]]]:
    """Field errors for an error page: (the field's label, or "" when it has none to show; messages)."""
    labels = field_labels()
    return [(labels.get(name, ""), [field_message(e) for e in found]) for name, found in errors.items()]


def wants_json() -> bool:
    """Under /api, and for a page's own JSON calls (the studio's editor): they read `message`."""
    return request.path.startswith("/api/") or request.is_json


def json_error(
    status: int,
    code: str,
    params: Mapping[str, Any] | None = None,
    field_errors: Mapping[str, Sequence[FieldError | str]] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "code": code,
        "message": text(code, params),
        "field_errors": {
            name: [
                {"code": e.code if isinstance(e, FieldError) else e, "message": field_message(e)}
                for e in found
            ]
            for name, found in (field_errors or {}).items()
        },
    }
    response = jsonify(body)
    response.status_code = status
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response


def _params(error: ParcoursError) -> dict[str, Any]:
    """The error's parameters; a model's problems said in the reader's language (the CLI's English
    lines stay in the error itself)."""
    if isinstance(error, ModelError):
        return {**error.params, "problems": "\n".join(p.text(language()) for p in error.problems)}
    return error.params


def error_response(error: ParcoursError) -> Response:
    """The answer for a domain error (also used after a failed commit)."""
    if wants_json():
        response = json_error(error.http_status, error.code, _params(error), error.field_errors)
        incident = getattr(error, "incident_id", None)
        if incident is not None:
            body = response.get_json()
            body["incident_id"] = incident
            response.set_data(jsonify(body).get_data())
        return response
    from parcours_engine.pathways.worklist import AlreadyDone

    if isinstance(error, AlreadyDone):
        return _already_done(error)
    title = _TITLES.get(error.http_status, "error.failed")
    detail = text(error.code, _params(error))
    if isinstance(error, TransitionFailed):  # the engine's own words are for the incident, not the page
        detail = text("pathway.transition_failed_page", {"incident": error.incident_id or "?"})
    return _page(
        error.http_status,
        text(title),
        "" if detail == text(title) else detail,
        labelled_field_messages(error.field_errors),
    )


def _domain_error(error: ParcoursError) -> Response:
    from parcours_engine.web.app import abort_unit

    abort_unit(error)  # rolls back; records the incident of a failed transition
    if isinstance(error, TransitionFailed):  # the engine's words may quote data: they are in the incident
        log.warning("transition failed on %s (incident %s)", request.path, error.incident_id)
    return error_response(error)


def _already_done(error: Any) -> Response:
    body = render_template(
        "counsellors/already_done.html", item=error.item, by=error.by, automatic=error.automatic
    )
    return Response(body, status=409)


def _csrf_error(error: CSRFError) -> Response:
    if wants_json():
        return json_error(400, "error.csrf")
    return _page(400, text("error.csrf"), "")


def _http_error(error: HTTPException) -> BaseResponse:
    status = error.code or 500
    if wants_json():
        response = json_error(status, _HTTP_CODES.get(status, "error.failed"))
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="parcours-engine"'
        return _with_allow(error, response)
    if status < 400:
        return error.get_response()
    return _with_allow(error, _page(status, text(_TITLES.get(status, "error.failed")), ""))


def _with_allow(error: HTTPException, response: Response) -> Response:
    """A 405 names the methods the address takes (RFC 9110 requires `Allow`)."""
    if isinstance(error, MethodNotAllowed) and error.valid_methods:
        response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
    return response


def _unexpected(error: Exception) -> Response:
    mapped = as_domain_error(error)
    if mapped is not None:  # a lost race or a busy database found outside a service's guard
        return _domain_error(mapped)
    from parcours_engine.web.app import abort_unit

    abort_unit(error)
    log.error(
        "unexpected error on %s %s: %s\n%s",
        request.method,
        request.path,
        type(error).__name__,
        "\n".join(
            f"  {f.filename}:{f.lineno} in {f.name}" for f in traceback.extract_tb(error.__traceback__)
        ),
    )  # where it failed, never its message (it may quote a name, a field, SQL parameters)
    log.debug("the unexpected error in full", exc_info=error)
    if wants_json():
        return json_error(500, "error.internal")
    return _page(500, text("error.internal"), "")


def _page(
    status: int, title: str, detail: str, field_errors: list[tuple[str, list[str]]] | None = None
) -> Response:
    body = render_template(
        "error.html", status=status, title=title, detail=detail, field_errors=field_errors or []
    )
    response = Response(body, status=status)
    if status == 503:
        response.headers["Retry-After"] = "5"
    return response
