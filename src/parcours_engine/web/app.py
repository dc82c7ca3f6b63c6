"""The Flask app factory.

`create_app(overrides)` builds an app with its own database engine; nothing happens at import time.
Each request is one unit of work (persistence.uow.UnitOfWork, begun at the view's first `db_session()`):
a POST takes the write lock up front (unless its view `reads_only`), a GET reads without it; the unit commits once after the view
succeeded and before the response leaves (a commit that fails becomes a 409 or 503, never a false
"saved"), and rolls back on any error response, recording a failed transition's incident. A view that
must keep its writes on an error response (a failed sign-in counts the failure) sets
`g.commit_on_error`. Views never begin, commit or roll back themselves.
"""

from __future__ import annotations

import logging
import os
import secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, jsonify, redirect, request, session, url_for
from flask_babel import Babel, get_locale
from flask_wtf.csrf import CSRFProtect
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock, SystemClock
from parcours_engine.domain.errors import ParcoursError, Unavailable
from parcours_engine.domain.outcomes import BY_CODE
from parcours_engine.persistence import health
from parcours_engine.persistence.db import DEFAULT_SQLITE_PATH, make_engine, session_factory
from parcours_engine.persistence.uow import UnitOfWork
from parcours_engine.web import security
from parcours_engine.web.permissions import offered

log = logging.getLogger(__name__)
LANGUAGES = ("fr", "en")
TRANSLATIONS = Path(__file__).parent / "translations"
csrf = CSRFProtect()
HEALTH_WAIT_MS = 50


def _instance_secret(instance: Path) -> str:
    """The embedded install's signing key, kept beside its database so a restart signs nobody out.

    Deployments set PARCOURS_SECRET_KEY (the same for every process) instead.
    """
    path = instance / "secret_key"
    if not path.exists():
        instance.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_hex(32))
    return path.read_text().strip()


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("DATABASE_URL"),
        SECRET_KEY=os.environ.get("PARCOURS_SECRET_KEY") or _instance_secret(DEFAULT_SQLITE_PATH.parent),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        WTF_CSRF_TIME_LIMIT=12 * 3600,  # a form left open over a working day still posts
        MAX_CONTENT_LENGTH=16 * 1024 * 1024,  # a request body: documents (5 MB) and models fit
        BABEL_DEFAULT_LOCALE="fr",
        BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS),
        CLOCK=SystemClock(),
    )
    app.config.from_mapping(security.settings())
    if overrides:
        app.config.from_mapping(overrides)
    if "SESSION_COOKIE_SECURE" not in (overrides or {}):
        # Secure cookies everywhere but in debug and tests; PARCOURS_SECURE_COOKIES=0 for a plain-HTTP
        # set-up (a trusted LAN) that browsers would otherwise refuse to keep signed in.
        insecure = app.debug or app.testing or os.environ.get("PARCOURS_SECURE_COOKIES") == "0"
        app.config["SESSION_COOKIE_SECURE"] = not insecure
    app.config["REMEMBER_COOKIE_SECURE"] = app.config["SESSION_COOKIE_SECURE"]
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["parcours.sessions"] = session_factory(engine)
    # /healthz writes through an engine of its own that waits for the write lock only briefly.
    app.extensions["parcours.health"] = session_factory(
        make_engine(app.config["DATABASE_URL"], busy_ms=HEALTH_WAIT_MS)
    )
    app.before_request(_start_timer)  # first of the hooks: Server-Timing counts them all
    security.install_converters(app)  # before any route: ids in paths are bounded
    security.init_app(app)  # before the blueprints' hooks: a stale session is closed first
    csrf.init_app(app)
    Babel(app, locale_selector=_locale)
    app.jinja_env.globals["get_locale"] = get_locale
    app.jinja_env.globals["offered"] = offered  # pages offer only what the permission table allows
    app.jinja_env.filters["outcome"] = _outcome
    app.after_request(_server_timing)  # registered first, so it runs last: the commit is counted
    app.after_request(_commit_request)
    app.teardown_appcontext(_close_session)
    _register_blueprints(app)
    _register_routes(app)
    return app


def _register_blueprints(app: Flask) -> None:
    from parcours_engine.web import beneficiaries_portal, errors
    from parcours_engine.web.admin import bp as admin_bp
    from parcours_engine.web.agenda import bp as agenda_bp
    from parcours_engine.web.api import bp as api_bp
    from parcours_engine.web.auth import bp as auth_bp
    from parcours_engine.web.auth import init_login
    from parcours_engine.web.counsellors import bp as counsellors_bp
    from parcours_engine.web.studio import bp as studio_bp
    from parcours_engine.web.supervisors import bp as supervisors_bp

    init_login(app)
    csrf.exempt(api_bp)  # bearer tokens, never cookies: no cross-site forgery to guard against
    app.register_blueprint(auth_bp)
    app.register_blueprint(counsellors_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(studio_bp)  # coordinator studio
    app.register_blueprint(supervisors_bp)  # dashboard, stalled list, where people wait
    app.register_blueprint(admin_bp)  # structures and accounts, admins only
    app.register_blueprint(agenda_bp)  # contact details, appointments, agendas and their feeds
    beneficiaries_portal.register(app)  # the person's portal and the referents' passport pages
    errors.register(app)


def _locale() -> str:
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return str(chosen)
    return request.accept_languages.best_match(LANGUAGES, default="fr") or "fr"


def _outcome(code: str | None) -> str:
    """An exit outcome as people read it (domain.outcomes), never its code."""
    if not code:
        return ""
    found = BY_CODE.get(code)
    if found is None:
        return code
    return found.label_en if str(get_locale()) == "en" else found.label_fr


READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def unit() -> UnitOfWork:
    """The request's unit of work: a write unit for a POST (unless its view `reads_only`), a read unit
    otherwise."""
    if "uow" not in g:
        view = current_app.view_functions.get(request.endpoint or "")
        write = request.method not in READ_METHODS and not getattr(view, "reads_only", False)
        g.uow = UnitOfWork(current_app.extensions["parcours.sessions"], write=write)
    found: UnitOfWork = g.uow
    return found


ViewT = TypeVar("ViewT", bound=Callable[..., Any])


def reads_only(view: ViewT) -> ViewT:
    """A POST view that writes nothing (the studio's simulation): its unit is a read unit, so SQLite's
    write lock is not held while it works; the CSRF check still applies."""
    view.reads_only = True  # type: ignore[attr-defined]
    return view


def db_session() -> Session:
    """The request's session (one unit of work; committed by `_commit_request`)."""
    return unit().session


def fresh_session() -> Session:
    """The request's unit rolled back and begun again: for a view that shows the stored state after
    its write was refused (a conflict). The refused write leaves nothing behind."""
    return unit().restart()


def abort_unit(error: BaseException | None = None) -> None:
    """Roll the request's unit back now (error handlers); records a failed transition's incident."""
    found: UnitOfWork | None = g.get("uow")
    if found is not None:
        found.abort(error)


def clock() -> Clock:
    value: Clock = current_app.config["CLOCK"]
    return value


def _commit_request(response: Response) -> Response:
    found: UnitOfWork | None = g.get("uow")
    if found is None or not found.started:
        return response
    if response.status_code >= 400 and not g.get("commit_on_error"):
        found.abort()
        return response
    try:
        found.commit()
    except ParcoursError as error:  # a lost race (409) or a database that cannot write now (503)
        from parcours_engine.web.errors import error_response

        return error_response(error)
    return response


def _start_timer() -> None:
    g.started = time.perf_counter()
    g.started_cpu = time.thread_time()


def _server_timing(response: Response) -> Response:
    """The app's time for this request (view, rendering and commit) in a Server-Timing header, which
    browsers' developer tools show and the Chromium walk (tests/e2e/test_walk.py) checks: `app` is the
    wall time, `cpu` the CPU time of the request's thread. The CPU time is the app's own work (SQLite
    runs in the thread too); unlike the wall time it hardly grows when other processes share the
    cores, so it is the figure a page can be held to on a busy machine."""
    started = g.get("started")
    if started is not None:
        elapsed = (time.perf_counter() - started) * 1000
        cpu = (time.thread_time() - g.started_cpu) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed:.1f}, cpu;dur={cpu:.1f}"
    return response


def _close_session(exc: BaseException | None) -> None:
    found: UnitOfWork | None = g.pop("uow", None)
    if found is not None:
        found.close()


def _register_routes(app: Flask) -> None:
    @app.get("/favicon.ico")
    def favicon() -> Any:
        """Browsers ask for /favicon.ico whatever the pages link to: sent to the SVG icon."""
        return redirect(url_for("static", filename="favicon.svg"), code=301)

    @app.get("/healthz")
    def healthz() -> tuple[Any, int, dict[str, str]] | tuple[Any, int]:
        """200 when the database took a write (or another writer holds it: it is alive and busy),
        503 when it cannot take one (read-only, disk full, gone)."""
        try:
            state = health.check_write(current_app.extensions["parcours.health"], clock().now())
        except Unavailable:
            return jsonify({"status": "unavailable"}), 503, {"Retry-After": "5"}
        return jsonify({"status": "ok"} if state == "ok" else {"status": "ok", "database": state}), 200
