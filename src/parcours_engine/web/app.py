"""The Flask app factory.

`create_app(overrides)` builds an app with its own database engine; nothing happens at import time.
Each request is one unit of work (see `db_session`): it commits once at the end or rolls back.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask, g, jsonify, render_template
from sqlalchemy import text
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock, SystemClock
from parcours_engine.domain.errors import ParcoursError
from parcours_engine.persistence.db import make_engine, session_factory


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(
        DATABASE_URL=os.environ.get("DATABASE_URL"),
        SECRET_KEY=os.environ.get("PARCOURS_SECRET_KEY") or os.urandom(32).hex(),
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        CLOCK=SystemClock(),
    )
    if overrides:
        app.config.from_mapping(overrides)
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["parcours.sessions"] = session_factory(engine)
    app.teardown_appcontext(_close_session)
    _register_errors(app)
    _register_routes(app)
    return app


def db_session() -> Session:
    """The request's session (one unit of work; committed by `commit_request`)."""
    if "db" not in g:
        from flask import current_app

        g.db = current_app.extensions["parcours.sessions"]()
    session: Session = g.db
    return session


def clock() -> Clock:
    from flask import current_app

    value: Clock = current_app.config["CLOCK"]
    return value


def _close_session(exc: BaseException | None) -> None:
    session = g.pop("db", None)
    if session is not None:
        if exc is None:
            session.commit()
        else:
            session.rollback()
        session.close()


def _register_errors(app: Flask) -> None:
    @app.errorhandler(ParcoursError)
    def domain_error(error: ParcoursError) -> tuple[Any, int]:
        body: dict[str, Any] = {"error": type(error).__name__, "message": str(error)}
        field_errors = getattr(error, "field_errors", None)
        if field_errors:
            body["field_errors"] = field_errors
        return jsonify(body), error.http_status


def _register_routes(app: Flask) -> None:
    @app.get("/")
    def home() -> str:
        return render_template("home.html")

    @app.get("/healthz")
    def healthz() -> tuple[Any, int]:
        db_session().execute(text("SELECT 1"))
        return jsonify({"status": "ok"}), 200
