"""Every route's entry in the permission table: the action (domain.permissions.Action) it needs.

Each blueprint's `before_request` calls `gate()` once the account is known: a route whose action the
account's profile may never do answers 403 before the view runs; the use case then checks the file
itself (own caseload, team lane, structure, consent) and logs the access. A route with no entry here
answers 403 too (fail closed), and tests/functional/test_permission_matrix.py fails on it: a new route
cannot escape the table. Blueprint-wide entries cover blueprints whose every page needs one action
(the studio, the admin area, the person's portal).
"""

from __future__ import annotations

from flask import request

from parcours_engine import access
from parcours_engine.domain.errors import Forbidden, NotFound
from parcours_engine.domain.permissions import Action, Scope
from parcours_engine.persistence.models import Account, Beneficiary, Pathway

A = Action

# Reachable by anybody (the sign-in pages, assets, the health check, the API's description).
PUBLIC = frozenset(
    {
        "static",
        "healthz",
        "favicon",
        "auth.login",
        "auth.second_step",  # the code after a right password (the session names the account pending)
        "auth.language",
        "portal.sign_in",
        "api.openapi",
        "agenda.feed",  # a counsellor's iCalendar feed: its secret token opens it (calendar applications)
    }
)

# Every page of these blueprints needs one action.
BLUEPRINTS: dict[str, Action] = {
    "studio": A.EDIT_MODELS,
    "admin": A.ADMINISTER,
    "portal": A.READ_OWN_FILE,  # the person signed in with their access code (not a staff account)
}

ROUTES: dict[str, Action] = {
    "auth.logout": A.SIGN_OUT,
    "auth.my_tokens": A.SIGN_OUT,  # any signed-in account: its own API tokens (accounts.tokens)
    "auth.revoke_my_token": A.SIGN_OUT,
    "auth.second_factor": A.SIGN_OUT,  # any signed-in account: its own second factor
    "auth.second_factor_start": A.SIGN_OUT,
    "auth.second_factor_confirm": A.SIGN_OUT,
    "auth.second_factor_disable": A.SIGN_OUT,
    # counsellors' workspace
    "counsellors.home": A.SIGN_OUT,  # any signed-in account: sent to its own first page
    "counsellors.inbox": A.READ_TASKS,
    "counsellors.task": A.READ_PATHWAY,
    "counsellors.complete": A.CHANGE_PATHWAY,
    "counsellors.claim": A.CHANGE_PATHWAY,
    "counsellors.release": A.CHANGE_PATHWAY,
    "counsellors.caseload": A.LIST_PATHWAYS,
    "counsellors.pathway_list": A.LIST_PATHWAYS,
    "counsellors.pathway": A.READ_PATHWAY,
    "counsellors.diagram": A.READ_PATHWAY,
    "counsellors.transfer": A.TRANSFER_REFERENT,
    "counsellors.exit_pathway": A.EXIT_PATHWAY,
    "counsellors.correct_exit": A.CORRECT_EXIT,
    "counsellors.people": A.SEARCH_PEOPLE,
    "counsellors.new_person": A.REGISTER_PERSON,
    "counsellors.person": A.READ_PERSON,
    "counsellors.rectify": A.RECTIFY_PERSON,
    "counsellors.export_person": A.EXPORT_PERSON,
    "counsellors.export_person_pdf": A.EXPORT_PERSON,
    "counsellors.access_history": A.READ_ACCESS_HISTORY,
    "counsellors.erase_person": A.ERASE_PERSON,
    "admin.privacy_register": A.READ_PRIVACY_REGISTER,  # admins and supervisors: names nobody
    "counsellors.start": A.START_PATHWAY,
    "counsellors.shared_people": A.LIST_SHARED_PEOPLE,
    "counsellors.notification_list": A.READ_NOTIFICATIONS,
    "counsellors.notifications_read": A.READ_NOTIFICATIONS,
    # the referents' side of the passport
    "passport.page": A.READ_PASSPORT,
    "passport.pdf": A.READ_PASSPORT,
    "passport.reference": A.READ_PASSPORT,
    "passport.open_passport": A.WRITE_PASSPORT,
    "passport.competences": A.WRITE_PASSPORT,
    "passport.experiences": A.WRITE_PASSPORT,
    "passport.add_reference": A.WRITE_PASSPORT,
    "passport.give_consent": A.RECORD_CONSENT,
    "passport.withdraw_consent": A.RECORD_CONSENT,
    "passport.access_card": A.PRINT_ACCESS_CARD,
    # contact details, appointments and the agenda (issue 17)
    "agenda.contact": A.READ_CONTACT,
    "agenda.save_contact": A.CHANGE_CONTACT,
    "agenda.give_contact_consent": A.CHANGE_CONTACT,
    "agenda.withdraw_contact_consent": A.CHANGE_CONTACT,
    "agenda.person_appointments": A.READ_APPOINTMENTS,
    "agenda.appointment": A.READ_APPOINTMENTS,
    "agenda.letter_pdf": A.READ_APPOINTMENTS,
    "agenda.book": A.BOOK_APPOINTMENT,
    "agenda.move": A.BOOK_APPOINTMENT,
    "agenda.cancel": A.BOOK_APPOINTMENT,
    "agenda.attendance": A.BOOK_APPOINTMENT,
    "agenda.week": A.READ_AGENDA,
    "agenda.day": A.READ_AGENDA,
    "agenda.static": A.READ_AGENDA,  # the agenda's stylesheet
    "agenda.feed_settings": A.READ_AGENDA,  # one's own iCalendar subscription
    "agenda.new_feed": A.READ_AGENDA,
    "agenda.revoke_feed": A.READ_AGENDA,
    "agenda.follow_up": A.FOLLOW_UP,  # one's own "Relancer la personne": its page and its outcome
    "agenda.attendance_figures": A.READ_FIGURES,  # counts only, no person named
    # supervision
    "supervisors.static": A.READ_FIGURES,  # the charts' scripts
    "supervisors.dashboard": A.READ_FIGURES,
    "supervisors.diagram": A.READ_FIGURES,
    "supervisors.diagram_xml": A.READ_FIGURES,
    "supervisors.set_objective": A.SET_OBJECTIVES,
    "supervisors.stalled_list": A.READ_STALLED_LIST,
    # the API
    "api.search_beneficiaries": A.SEARCH_PEOPLE,
    "api.create_beneficiary": A.REGISTER_PERSON,
    "api.get_beneficiary": A.READ_PERSON,
    "api.list_pathways": A.LIST_PATHWAYS,
    "api.start_pathway": A.START_PATHWAY,
    "api.get_pathway": A.READ_PATHWAY,
    "api.transfer_referent": A.TRANSFER_REFERENT,
    "api.my_work_items": A.READ_TASKS,
    "api.claim": A.CHANGE_PATHWAY,
    "api.complete": A.CHANGE_PATHWAY,
    "api.indicators": A.READ_FIGURES,
    "api.list_appointments": A.READ_APPOINTMENTS,
    "api.book_appointment": A.BOOK_APPOINTMENT,
    "api.move_appointment": A.BOOK_APPOINTMENT,
    "api.cancel_appointment": A.BOOK_APPOINTMENT,
    "api.record_attendance": A.BOOK_APPOINTMENT,
    "api.list_follow_ups": A.FOLLOW_UP,  # one's own "Relancer la personne" still to do
}


def action_for(endpoint: str) -> Action | None:
    """The action `endpoint` needs (None: public); KeyError for a route missing from the table."""
    if endpoint in PUBLIC:
        return None
    if endpoint in ROUTES:
        return ROUTES[endpoint]
    return BLUEPRINTS[endpoint.partition(".")[0]]


def gate() -> None:
    """Refuse the request when the signed-in account's profile may never do the route's action."""
    from parcours_engine.web.auth import current_account

    endpoint = request.endpoint or ""
    try:
        action = action_for(endpoint)
    except KeyError:
        raise Forbidden("access.route_not_declared") from None
    if action is None or action is Action.READ_OWN_FILE:
        return  # public, or the person's portal (its own sign-in)
    account = current_account()
    access.require(account, action)
    _check_the_file(account, action)


def _check_the_file(account: Account, action: Action) -> None:
    """A route on one person or pathway refuses a file that is not the account's before the view
    parses anything (the use case checks again, and logs): a refusal never depends on the input."""
    from parcours_engine.web.app import db_session

    args = request.view_args or {}
    if action in access.ON_A_PERSON and isinstance(args.get("person_id"), int):
        person_id: int = args["person_id"]
        if not access.may_person(db_session(), account, person_id, action):
            missing = db_session().get(Beneficiary, person_id) is None
            raise NotFound("person.not_found") if missing else Forbidden("access.not_your_caseload")
    elif action in access.ON_A_PATHWAY and isinstance(args.get("pathway_id"), int):
        pathway_id: int = args["pathway_id"]
        if not access.may(db_session(), account, pathway_id, action):
            missing = db_session().get(Pathway, pathway_id) is None
            raise NotFound("pathway.not_found") if missing else Forbidden("access.not_your_caseload")


def offered(action: str, scope: str | None = None) -> bool:
    """Whether pages offer the signed-in account a link or button to `action` (its profile may do it
    somewhere, or in `scope` when given; the file itself is the view's check): a page never offers
    what the table refuses."""
    from flask_login import current_user

    from parcours_engine.web.auth import current_account

    if not current_user.is_authenticated:
        return False
    found = access.scopes_of(current_account(), Action(action))
    return bool(found) if scope is None else Scope(scope) in found
