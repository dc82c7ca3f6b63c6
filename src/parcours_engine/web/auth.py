"""Sign-in and sign-out (Flask-Login), the language switch, and who is signed in.

Passwords and throttling live in accounts.accounts; this blueprint only parses and renders. A failed
sign-in answers 401 and still commits, because the failure count is what throttling needs.

The session cookie names the account and the account's session generation (`SignedIn.get_id`): a
cookie whose generation is no longer the account's (signed out, new password, deactivated, rights
changed) signs nobody in, wherever it was copied to. Idle and absolute lifetimes: web.security.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from parcours_engine.accounts import accounts, tokens
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


def init_login(app: Flask) -> None:
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
    security.open_session()  # no session fixation: a fresh session for the signed-in user
    login_user(SignedIn(account))
    return redirect(_safe_next(request.args.get("next")), code=303)


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


@bp.post("/langue")
def language() -> Response:
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")), code=303)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no open redirect)."""
    return same_site_path(target) or url_for("counsellors.home")
