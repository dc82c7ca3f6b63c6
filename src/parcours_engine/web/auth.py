"""Sign-in and sign-out (Flask-Login), the language switch, and who is signed in.

Passwords and throttling live in accounts.accounts; this blueprint only parses and renders. A failed
sign-in answers 401 and still commits, because the failure count is what throttling needs.

The session cookie names the account and the account's session generation (`SignedIn.get_id`): a
cookie whose generation is no longer the account's (signed out, new password, deactivated, rights
changed) signs nobody in, wherever it was copied to. Idle and absolute lifetimes: web.security.

An account with a second factor (accounts.second_factor) is not signed in by its password alone: the
session only names the account pending its code (`/connexion/code`, 5 minutes), and Flask-Login
knows nobody until the code is right. With PARCOURS_ADMIN_TOTP_REQUIRED=1, an admin without a
factor reaches only its enrolment page (and sign-out) until it has one.
"""

from __future__ import annotations

import os
from typing import Any

import segno
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from markupsafe import Markup
from werkzeug.wrappers import Response

from parcours_engine.accounts import accounts, second_factor, tokens
from parcours_engine.persistence.models import Account
from parcours_engine.web import access_log, security
from parcours_engine.web.app import LANGUAGES, clock, db_session
from parcours_engine.web.errors import text
from parcours_engine.web.params import same_site_path

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
bp.after_app_request(access_log.note_refusal)  # refused attempts are logged (web.access_log)
bp.teardown_app_request(access_log.write_refusal)


class SignedIn(UserMixin):
    """The signed-in account, as Flask-Login wants it."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        return f"{self.account.id}.{self.account.session_generation}"


# The second step of signing in: the account whose password was right, waiting for its code.
PENDING_ACCOUNT, PENDING_GENERATION, PENDING_AT, PENDING_NEXT = (
    "2fa_account",
    "2fa_generation",
    "2fa_at",
    "2fa_next",
)
PENDING_SECONDS = 300
# Where an admin who must enrol a second factor may go before it has one.
_ENROLMENT_ENDPOINTS = frozenset(
    {
        "auth.second_factor",
        "auth.second_factor_start",
        "auth.second_factor_confirm",
        "auth.logout",
        "auth.login",
        "auth.second_step",
    }
)


def init_login(app: Flask) -> None:
    app.config.setdefault("ADMIN_TOTP_REQUIRED", os.environ.get("PARCOURS_ADMIN_TOTP_REQUIRED") == "1")
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = ""  # the sign-in page says enough
    login_manager.session_protection = "strong"
    # Flask-Login's own identifier believes any X-Forwarded-For; ours, only trusted proxies.
    login_manager._session_identifier_generator = security.client_identifier


@login_manager.user_loader
def _load(user_id: str) -> SignedIn | None:
    account_id, _, generation = user_id.partition(".")
    if not account_id.isdigit() or not generation.isdigit() or int(account_id) > security.MAX_ID:
        return None
    account = db_session().get(Account, int(account_id))
    if account is None or not account.active or account.session_generation != int(generation):
        return None
    return SignedIn(account)


def current_account() -> Account:
    """The signed-in account (views are behind `login_required`)."""
    api_account = g.get("api_account")
    if api_account is not None:
        account: Account = api_account
        return account
    if not current_user.is_authenticated:
        abort(401)
    signed: SignedIn = current_user._get_current_object()
    return signed.account


@bp.route("/connexion", methods=["GET", "POST"])
def login() -> Any:
    if request.method == "GET":
        return render_template("auth/login.html", error=None, username="")
    username = request.form.get("username", "").strip()[:80]
    password = request.form.get("password", "")[:200]
    try:
        account = accounts.authenticate(db_session(), clock(), username, password, security.address())
    except accounts.SignInLocked as locked:
        g.commit_on_error = True
        error = text(locked.code, locked.params)
        return render_template("auth/login.html", error=error, username=username), 429
    if account is None:
        g.commit_on_error = True
        error = _("Identifiant ou mot de passe incorrect.")
        return render_template("auth/login.html", error=error, username=username), 401
    target = _safe_next(request.args.get("next"))
    if second_factor.enrolled(db_session(), account):
        pending: dict[str, Any] = {
            PENDING_ACCOUNT: account.id,
            PENDING_GENERATION: account.session_generation,
        }
        pending |= {PENDING_AT: int(clock().now().timestamp()), PENDING_NEXT: target}
        security.open_session(**pending)  # nobody is signed in until the code is right
        return redirect(url_for("auth.second_step"), code=303)
    security.open_session()  # no session fixation: a fresh session for the signed-in user
    login_user(SignedIn(account))
    return redirect(target, code=303)


@bp.route("/connexion/code", methods=["GET", "POST"])
def second_step() -> Any:
    """The code of the authenticator app (or a recovery code), after a right password."""
    account = _pending_account()
    if account is None:
        security.close_session()
        return redirect(url_for("auth.login"), code=303)
    if request.method == "GET":
        return render_template("auth/second_step.html", error=None)
    code = request.form.get("code", "")[:40]
    try:
        second_factor.verify(db_session(), clock(), account, code, _totp_key())
    except accounts.SignInLocked as locked:
        g.commit_on_error = True
        return render_template("auth/second_step.html", error=text(locked.code, locked.params)), 429
    except second_factor.WrongCode:
        g.commit_on_error = True  # the failure count must be kept, and the step used
        error = _("Code incorrect ou déjà utilisé.")
        return render_template("auth/second_step.html", error=error), 401
    target = _safe_next(session.get(PENDING_NEXT))
    security.open_session()
    login_user(SignedIn(account))
    return redirect(target, code=303)


def _pending_account() -> Account | None:
    """The account waiting for its code: still active, same generation, within PENDING_SECONDS."""
    account_id, generation, at = (session.get(k) for k in (PENDING_ACCOUNT, PENDING_GENERATION, PENDING_AT))
    if not isinstance(account_id, int) or not isinstance(generation, int) or not isinstance(at, int):
        return None
    if int(clock().now().timestamp()) - at > PENDING_SECONDS:
        return None
    account = db_session().get(Account, account_id)
    if account is None or not account.active or account.session_generation != generation:
        return None
    return account


@bp.before_app_request
def _enrolment_first() -> Response | None:
    """With PARCOURS_ADMIN_TOTP_REQUIRED=1, an admin without a second factor goes to enrol first."""
    if not current_app.config.get("ADMIN_TOTP_REQUIRED") or request.endpoint in _ENROLMENT_ENDPOINTS:
        return None
    if request.endpoint in (None, "static", "favicon", "auth.language") or g.get("api_account") is not None:
        return None
    if not current_user.is_authenticated:
        return None
    account: Account = current_user.account
    if not second_factor.required_for(account, True) or second_factor.enrolled(db_session(), account):
        return None
    return redirect(url_for("auth.second_factor"), code=303)


@bp.post("/deconnexion")
@login_required
def logout() -> Response:
    # Every session of the account ends, a copy of this cookie included.
    accounts.end_sessions(db_session(), current_account())
    logout_user()
    security.close_session()
    return redirect(url_for("auth.login"), code=303)


@bp.get("/compte/jetons")
@login_required
def my_tokens() -> str:
    account = current_account()
    mine = tokens.list_of(db_session(), account, account.id)
    return render_template("auth/tokens.html", api_tokens=mine, now_utc=clock().now())


@bp.post("/compte/jetons/<int:token_id>/revoquer")
@login_required
def revoke_my_token(token_id: int) -> Response:
    tokens.revoke(db_session(), clock(), current_account(), token_id)
    return redirect(url_for("auth.my_tokens"), code=303)


@bp.get("/compte/double-authentification", endpoint="second_factor")
@login_required
def second_factor_page() -> str:
    account = current_account()
    factor = second_factor.factor_of(db_session(), account)
    return _second_factor_page(account, factor, error=None)


@bp.post("/compte/double-authentification/debut")
@login_required
def second_factor_start() -> Response:
    second_factor.start(db_session(), clock(), current_account(), _totp_key())
    return redirect(url_for("auth.second_factor"), code=303)


@bp.post("/compte/double-authentification/confirmer")
@login_required
def second_factor_confirm() -> Any:
    account = current_account()
    code = request.form.get("code", "")[:40]
    try:
        codes = second_factor.confirm(db_session(), clock(), account, code, _totp_key())
    except accounts.SignInLocked as locked:
        g.commit_on_error = True
        factor = second_factor.factor_of(db_session(), account)
        return _second_factor_page(account, factor, error=text(locked.code, locked.params)), 429
    except second_factor.WrongCode:
        g.commit_on_error = True
        factor = second_factor.factor_of(db_session(), account)
        return _second_factor_page(account, factor, error=_("Code incorrect ou déjà utilisé.")), 400
    _renew_sessions(account)  # sessions opened without the factor end; this one goes on
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.post("/compte/double-authentification/desactiver")
@login_required
def second_factor_disable() -> Any:
    account = current_account()
    factor = second_factor.factor_of(db_session(), account)
    if second_factor.required_for(account, _admins_required()):
        error = _("La double authentification est obligatoire pour les administrateurs.")
        return _second_factor_page(account, factor, error=error), 403
    try:
        code = request.form.get("code", "")[:40]
        second_factor.disable(db_session(), clock(), account, code, _totp_key())
    except accounts.SignInLocked as locked:
        g.commit_on_error = True
        return _second_factor_page(account, factor, error=text(locked.code, locked.params)), 429
    except second_factor.WrongCode:
        g.commit_on_error = True
        return _second_factor_page(account, factor, error=_("Code incorrect ou déjà utilisé.")), 400
    _renew_sessions(account)
    return redirect(url_for("auth.second_factor"), code=303)


def _second_factor_page(account: Account, factor: Any, error: str | None) -> str:
    uri = qr = secret = None
    if factor is not None and factor.confirmed_at is None:
        secret = second_factor.secret_of(factor, _totp_key())
        uri = second_factor.provisioning_uri(factor, account, _totp_key())
    if uri is not None:
        # Inline SVG of our own URI (no user text in it): no script, no style attribute (CSP).
        qr = Markup(segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff"))  # noqa: S704
    return render_template(
        "auth/second_factor.html",
        factor=factor,
        secret=secret,
        uri=uri,
        qr=qr,
        codes_left=second_factor.recovery_codes_left(db_session(), account) if factor else 0,
        required=second_factor.required_for(account, _admins_required()),
        error=error,
    )


def _renew_sessions(account: Account) -> None:
    """End the account's other sessions and keep this one, under the new generation."""
    accounts.end_sessions(db_session(), account)
    security.open_session()
    login_user(SignedIn(account))


def _totp_key() -> bytes:
    """The key sealing TOTP secrets, from this deployment's secret key (accounts.second_factor)."""
    return second_factor.key_from(str(current_app.config["SECRET_KEY"]))


def _admins_required() -> bool:
    return bool(current_app.config.get("ADMIN_TOTP_REQUIRED"))


@bp.post("/langue")
def language() -> Response:
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")), code=303)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no open redirect)."""
    return same_site_path(target) or url_for("counsellors.home")
