"""What every request and response goes through for security: proxies, ids, session lifetime, headers.

- **Proxies.** `X-Forwarded-For` and `X-Forwarded-Proto` are believed only when
  `PARCOURS_TRUSTED_PROXIES` says how many proxies stand in front (Werkzeug's ProxyFix); otherwise the
  address is the socket's, whatever a client writes in a header. Flask-Login's session protection
  reads that address too (its own reads `X-Forwarded-For` unconditionally).
- **Ids in paths** are bounded (`<int:...>` matches up to 2**31 - 1, the largest id a PostgreSQL
  column holds): a huge number is a 404, never an overflow.
- **Sessions end**: after `SESSION_IDLE_TIMEOUT` without a request (30 minutes unless
  `PARCOURS_SESSION_IDLE_MINUTES` says otherwise) and `SESSION_MAX_LIFETIME` after signing in (12
  hours, `PARCOURS_SESSION_MAX_HOURS`), the staff's and the person's portal alike. The times come
  from the app's clock. The server ends them earlier too: see web.auth and the portal.
- **Headers** on every response: a Content-Security-Policy without inline scripts or styles (every
  script and style is a file of static/; the studio's pages allow style attributes, which its BPMN
  editor writes: `allow_style_attributes`), no framing, no referrer to other sites, `nosniff`, HSTS
  when cookies are secure, and `Cache-Control: no-store` on everything but static files (pages show
  personal data: a shared computer's cache must keep none).
"""

from __future__ import annotations

import os
from datetime import timedelta
from hashlib import sha512
from typing import Any

from flask import Flask, Response, current_app, g, request, session
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1
# Keys of the session cookie this module owns (epoch seconds of the app's clock).
OPENED, SEEN = "opened_at", "seen_at"
# Keys of a signed-in session: Flask-Login's account, the portal's person (web.beneficiaries_portal).
SIGNED_IN = ("_user_id", "portal_beneficiary")
# A session refreshes its "last seen" stamp at most this often (each refresh is a new cookie).
SEEN_RESOLUTION = 30
_POLICY = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
]
CSP = "; ".join(_POLICY)
# The studio's editor: bpmn-js's properties panel builds its container with a `style` attribute. Style
# attributes only (never a <style> element, never a script), on the studio's pages only.
CSP_STYLE_ATTRIBUTES = "; ".join([*_POLICY, "style-src-attr 'unsafe-inline'"])


class IdConverter(IntegerConverter):
    """`<int:...>` in a route: a non-negative integer that fits the database's id columns."""

    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)


def settings() -> dict[str, Any]:
    """The defaults of create_app for what this module reads (environment, then overrides)."""
    return {
        "TRUSTED_PROXIES": int(os.environ.get("PARCOURS_TRUSTED_PROXIES") or 0),
        "SESSION_IDLE_TIMEOUT": timedelta(minutes=int(os.environ.get("PARCOURS_SESSION_IDLE_MINUTES", "30"))),
        "SESSION_MAX_LIFETIME": timedelta(hours=int(os.environ.get("PARCOURS_SESSION_MAX_HOURS", "12"))),
    }


def install_converters(app: Flask) -> None:
    """Before any route is added: `<int:...>` is bounded."""
    app.url_map.converters["int"] = IdConverter


def init_app(app: Flask) -> None:
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)  # type: ignore[method-assign]
    app.before_request(_end_stale_session)
    app.after_request(_headers)


def client_identifier() -> str:
    """Flask-Login's session protection: the client's address (as ProxyFix left it) and browser."""
    base = f"{request.remote_addr}|{request.headers.get('User-Agent', '')}"
    return sha512(base.encode("utf-8", "replace")).hexdigest()


def address() -> str:
    """The client's address for throttling (the socket's, or the trusted proxies' word for it)."""
    return (request.remote_addr or "unknown")[:64]


def open_session(**values: Any) -> None:
    """A fresh session (no fixation: nothing of the previous one but the language), stamped now."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    now = _now()
    session[OPENED], session[SEEN] = now, now
    session.update(values)


def close_session() -> None:
    """Forget the session but its language."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _now() -> int:
    return int(current_app.config["CLOCK"].now().timestamp())


def _end_stale_session() -> None:
    """Past its idle time or its lifetime, a session is closed before the view runs."""
    opened, seen = session.get(OPENED), session.get(SEEN)
    if not isinstance(opened, int) or not isinstance(seen, int):
        if any(key in session for key in SIGNED_IN):
            close_session()  # signed in before sessions were stamped: sign in again
        return
    now = _now()
    idle: timedelta = current_app.config["SESSION_IDLE_TIMEOUT"]
    lifetime: timedelta = current_app.config["SESSION_MAX_LIFETIME"]
    if now - seen > idle.total_seconds() or now - opened > lifetime.total_seconds():
        close_session()
        g.session_expired = True
        return
    if now - seen >= SEEN_RESOLUTION:
        session[SEEN] = now


def allow_style_attributes(response: Response) -> Response:
    """A blueprint's `after_request` for pages whose third-party code writes style attributes."""
    response.headers["Content-Security-Policy"] = CSP_STYLE_ATTRIBUTES
    return response


def _headers(response: Response) -> Response:
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CSP)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if current_app.config.get("SESSION_COOKIE_SECURE"):
        headers.setdefault("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
    if not (request.endpoint or "").endswith("static"):
        headers["Cache-Control"] = "no-store"
    return response
