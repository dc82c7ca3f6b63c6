"""The person's own portal (seed 002): sign in with identifier + access code, read, print, download.

Separate from the staff sign-in: the session holds `portal_beneficiary` (never Flask-Login's user),
and a session holding it reaches only this blueprint (every other page answers 403), so a person can
read their passport and pathways but never write anything: the portal's own pages are GET only
(405 on any other method) apart from signing in and out. Their own passport only: there is no person
id in these URLs, and a reference that is not theirs is "not found".

The session also carries the person's session generation (passport.portal): a new card, or signing
out, ends every session opened before, a copied cookie included. Idle and absolute lifetimes, as for
the staff: web.security.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from werkzeug.wrappers import Response as BaseResponse

from parcours_engine.passport import passport, portal, portal_export, references
from parcours_engine.passport import pdf as passport_pdf
from parcours_engine.passport.referential import referential
from parcours_engine.web import security
from parcours_engine.web.app import clock, db_session
from parcours_engine.web.downloads import private_file, private_json
from parcours_engine.web.errors import text

bp = Blueprint("portal", __name__, url_prefix="/mon-passeport")
SESSION_KEY = "portal_beneficiary"
GENERATION_KEY = "portal_generation"
# What a signed-in person may reach outside this blueprint: assets and the language switch.
_OPEN_ENDPOINTS = frozenset({"static", "auth.language", "healthz"})


def register(app: Flask) -> None:
    """The portal, and the referents' passport pages (web.passport) that go with it."""
    from parcours_engine.web.passport import bp as passport_bp

    app.register_blueprint(bp)
    app.register_blueprint(passport_bp)


@bp.before_app_request
def _confine_people_to_their_portal() -> None:
    """A person signed in to the portal reaches nothing of the staff's application."""
    if SESSION_KEY not in session or request.endpoint is None:
        return
    if request.blueprint != bp.name and request.endpoint not in _OPEN_ENDPOINTS:
        abort(403)


def _person_id() -> int:
    """The signed-in person, while their session is still of their current card; else to sign-in."""
    person_id = session.get(SESSION_KEY)
    if isinstance(person_id, int):
        current = portal.session_generation(db_session(), person_id)
        if current is not None and current == session.get(GENERATION_KEY):
            return person_id
        security.close_session()
    abort(redirect(url_for("portal.sign_in"), code=303))


@bp.route("/connexion", methods=["GET", "POST"])
def sign_in() -> Any:
    if request.method == "GET":
        return render_template("beneficiaries_portal/sign_in.html", error=None, identifier="")
    identifier = request.form.get("identifier", "").strip()[:32]
    code = request.form.get("code", "")[:64]
    try:
        person_id = portal.sign_in(db_session(), clock(), identifier, code, security.address())
    except portal.PortalLocked as locked:
        g.commit_on_error = True
        error = text(locked.code)
        return render_template("beneficiaries_portal/sign_in.html", error=error, identifier=identifier), 429
    if person_id is None:
        g.commit_on_error = True  # the failure count must be kept
        error = _("Identifiant ou code d'accès incorrect.")
        return render_template("beneficiaries_portal/sign_in.html", error=error, identifier=identifier), 401
    generation = portal.session_generation(db_session(), person_id)
    # No session fixation, and no staff session left alongside.
    security.open_session(**{SESSION_KEY: person_id, GENERATION_KEY: generation})
    return redirect(url_for("portal.passport_page"), code=303)


@bp.post("/deconnexion")
def sign_out() -> BaseResponse:
    person_id = session.get(SESSION_KEY)
    if isinstance(person_id, int) and session.get(GENERATION_KEY) == portal.session_generation(
        db_session(), person_id
    ):
        portal.end_sessions(db_session(), person_id)  # a copy of this cookie stops working too
    security.close_session()
    return redirect(url_for("portal.sign_in"), code=303)


@bp.get("/")
def passport_page() -> str:
    view = passport.view(db_session(), _person_id())
    return render_template("beneficiaries_portal/passport.html", view=view, ref=referential())


@bp.get("/passeport.pdf")
def passport_pdf_download() -> Response:
    view = passport.view(db_session(), _person_id())
    body = passport_pdf.render(view, clock().now())
    return private_file(body, "application/pdf", f"passeport_emploi_{view.person.identifier}.pdf")


@bp.get("/references/<int:reference_id>")
def reference(reference_id: int) -> Response:
    document = references.reference_document(db_session(), _person_id(), reference_id)
    return private_file(document.content, document.media_type, references.download_name(document))


@bp.get("/parcours")
def pathways_page() -> str:
    person_id = _person_id()
    session_ = db_session()
    view = passport.view(session_, person_id)
    return render_template(
        "beneficiaries_portal/pathways.html",
        person=view.person,
        pathways=portal.pathways_of(session_, person_id),
    )


@bp.get("/mes-donnees")
def rights_page() -> str:
    person_id = _person_id()
    session_ = db_session()
    return render_template(
        "beneficiaries_portal/rights.html",
        person=passport.view(session_, person_id).person,
        accesses=portal.accesses(session_, person_id),
    )


@bp.get("/mes-donnees.json")
def export() -> Response:
    person_id = _person_id()
    data = portal_export.export(db_session(), clock(), person_id)
    return private_json(data, "mes_donnees.json")
