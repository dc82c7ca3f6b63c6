"""Sign-in and sign-out (Flask-Login), the language switch, and who is signed in.

Passwords and throttling live in accounts.accounts; this blueprint only parses and renders. A failed
sign-in answers 401 and still commits, because the failure count is what throttling needs.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user, logout_user
from werkzeug.wrappers import Response

from parcours_engine.accounts import accounts
from parcours_engine.persistence.models import Account
from parcours_engine.web import access_log
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
        return str(self.account.id)


def init_login(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = ""  # the sign-in page says enough
    login_manager.session_protection = "strong"


@login_manager.user_loader
def _load(user_id: str) -> SignedIn | None:
    if not user_id.isdigit():
        return None
    account = db_session().get(Account, int(user_id))
    if account is None or not account.active:
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
    username = request.form.get("username", "").strip()
    password = request.form.get("password", "")
    address = request.remote_addr or "unknown"
    try:
        account = accounts.authenticate(db_session(), clock(), username, password, address)
    except accounts.SignInLocked as locked:
        g.commit_on_error = True
        error = text(locked.code, locked.params)
        return render_template("auth/login.html", error=error, username=username), 429
    if account is None:
        g.commit_on_error = True
        error = _("Identifiant ou mot de passe incorrect.")
        return render_template("auth/login.html", error=error, username=username), 401
    session.clear()  # no session fixation: a fresh session for the signed-in user
    login_user(SignedIn(account))
    return redirect(_safe_next(request.args.get("next")), code=303)


@bp.post("/deconnexion")
@login_required
def logout() -> Response:
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    return redirect(url_for("auth.login"), code=303)


@bp.post("/langue")
def language() -> Response:
    lang = request.form.get("lang", "")
    if lang in LANGUAGES:
        session["lang"] = lang
    return redirect(_safe_next(request.form.get("next")), code=303)


def _safe_next(target: str | None) -> str:
    """Only a path on this site (no open redirect)."""
    return same_site_path(target) or url_for("counsellors.home")
