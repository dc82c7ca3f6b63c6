"""Errors to HTTP, in one place: JSON under /api, French (or English) pages elsewhere.

Domain errors carry their status (domain/errors.py). Under /api, and for any request with a JSON body,
every error is JSON with `message` and `field_errors`, an unexpected one included (logged, then a JSON
500): never an HTML page.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import Flask, Response, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from parcours_engine.domain.errors import ConflictError, Forbidden, InvalidInput, NotFound, ParcoursError

log = logging.getLogger(__name__)


def register(app: Flask) -> None:
    app.register_error_handler(ParcoursError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)


def wants_json() -> bool:
    """Under /api, and for a page's own JSON calls (the studio's editor): they read `message`."""
    return request.path.startswith("/api/") or request.is_json


def json_error(status: int, message: str, field_errors: dict[str, list[str]] | None = None) -> Response:
    response = jsonify({"message": message, "field_errors": field_errors or {}})
    response.status_code = status
    return response


def conflict_response() -> Response:
    message = "someone else changed this at the same time; reload and try again"
    if wants_json():
        return json_error(409, message)
    return _page(409, _("Quelqu'un d'autre a modifié ce dossier en même temps."), _("Rechargez la page."))


def _domain_error(error: ParcoursError) -> Response:
    field_errors = getattr(error, "field_errors", None) or {}
    if wants_json():
        return json_error(error.http_status, str(error), field_errors)
    from parcours_engine.services.worklist import AlreadyDone

    if isinstance(error, AlreadyDone):
        return _already_done(error)
    title = {
        Forbidden: _("Vous n'avez pas accès à ce dossier."),
        NotFound: _("Cette page n'existe pas."),
        ConflictError: _("Quelqu'un d'autre est passé avant vous."),
        InvalidInput: _("Certaines informations ne sont pas valides."),
    }.get(type(error), _("L'opération n'a pas pu aboutir."))
    return _page(
        error.http_status,
        title,
        str(error),
        {k: [field_message(m) for m in v] for k, v in field_errors.items()},
    )


def _already_done(error: Any) -> Response:
    body = render_template("counsellors/already_done.html", item=error.item, by=error.by)
    return Response(body, status=409)


def _csrf_error(error: CSRFError) -> Response:
    if wants_json():
        return json_error(400, str(error.description))
    return _page(400, _("Le formulaire a expiré."), _("Rechargez la page et recommencez."))


def _http_error(error: HTTPException) -> BaseResponse:
    status = error.code or 500
    if wants_json():
        response = json_error(status, str(error.description))
        if status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="parcours-engine"'
        return response
    if status < 400:
        return error.get_response()
    titles = {
        400: _("La demande n'est pas valide."),
        403: _("Vous n'avez pas accès à ce dossier."),
        404: _("Cette page n'existe pas."),
        405: _("Cette action n'est pas possible ici."),
    }
    return _page(status, titles.get(status, _("Erreur")), "")


def _unexpected(error: Exception) -> Response:
    log.exception("unexpected error on %s %s", request.method, request.path)
    if wants_json():
        return json_error(500, "internal error; it was logged")
    return _page(500, _("Une erreur inattendue est survenue."), _("Elle a été enregistrée."))


def _page(status: int, title: str, detail: str, field_errors: dict[str, list[str]] | None = None) -> Response:
    body = render_template(
        "error.html", status=status, title=title, detail=detail, field_errors=field_errors or {}
    )
    return Response(body, status=status)


_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^required$"), "required"),
    (re.compile(r"is not of type 'integer'|is not of type 'number'"), "integer"),
    (re.compile(r"is not of type 'boolean'"), "boolean"),
    (re.compile(r"is not valid under any of the given schemas|is not one of"), "choice"),
    (re.compile(r"is not a 'date'"), "date"),
    (re.compile(r"is less than the minimum of (\S+)"), "minimum"),
    (re.compile(r"is greater than the maximum of (\S+)"), "maximum"),
    (re.compile(r"is too long|is longer than"), "too_long"),
    (re.compile(r"should be non-empty|is too short"), "too_short"),
    (re.compile(r"does not match"), "pattern"),
)


def field_message(message: str) -> str:
    """A validation message from the services or jsonschema, in the user's language."""
    for pattern, code in _PATTERNS:
        found = pattern.search(message)
        if found is None:
            continue
        texts = {
            "required": _("Champ obligatoire."),
            "integer": _("Saisissez un nombre."),
            "boolean": _("Choisissez oui ou non."),
            "choice": _("Choisissez une valeur de la liste."),
            "date": _("Saisissez une date (jj/mm/aaaa)."),
            "too_long": _("Texte trop long."),
            "too_short": _("Champ obligatoire."),
            "pattern": _("Format incorrect."),
        }
        if code == "minimum":
            return _("La valeur doit être au moins %(n)s.", n=found.group(1))
        if code == "maximum":
            return _("La valeur doit être au plus %(n)s.", n=found.group(1))
        return texts[code]
    return message
