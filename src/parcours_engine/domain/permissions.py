"""The one permission table: who (a profile) may do what (an action) on which files (a scope).

A profile is an account's role as the rules read it: a counsellor whose team is the reception desk
(`accueil`) is `RECEPTION`, with rights of its own. For each action the table gives the scopes in
which a profile may act; no scope means never (403 whatever the file). The scopes are:

- `SELF`: the account's own things (its notifications, its task list, signing out);
- `OWN_CASELOAD`: the pathways the account is the referent of, and their people;
- `TEAM_LANE`: the pathways (and people) with an open task that is assigned to the account, or
  unclaimed in the lane of the account's team, in the account's structure;
- `STRUCTURE`: every pathway (or person) of the account's structure;
- `PARTNER_WITH_CONSENT`: the people whose consent to share with the account's structure is in force;
- `ALL`: everything.

`access` is the one place that turns the table into SQL filters and checks. Rules that a
scope alone cannot say are written here as functions and enforced by the use cases:

- a referent (transfer target, or named when a pathway starts) is an active counsellor (not of the
  reception desk) or partner of the pathway's structure (`may_be_referent`);
- reception starts a person's first pathway only, and never names itself referent (it cannot be one);
- a counsellor may start a pathway for a person of its structure only when no active pathway of that
  person is followed by someone else (`may_start_for`): starting a pathway never opens another
  referent's file to the starter.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum

from parcours_engine.domain.enums import AccountRole, Lane


class Profile(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    COUNSELLOR = "counsellor"
    RECEPTION = "reception"  # a counsellor of the reception desk (team accueil)
    SUPERVISOR = "supervisor"
    PARTNER = "partner"
    BENEFICIARY = "beneficiary"


class Scope(StrEnum):
    SELF = "self"
    OWN_CASELOAD = "own_caseload"
    TEAM_LANE = "team_lane"
    STRUCTURE = "structure"
    PARTNER_WITH_CONSENT = "partner_with_consent"
    ALL = "all"


class Action(StrEnum):
    # Pathways and tasks
    LIST_PATHWAYS = "list_pathways"
    READ_PATHWAY = "read_pathway"
    READ_TASKS = "read_tasks"  # my task list and my team's queue
    CHANGE_PATHWAY = "change_pathway"  # claim, release, complete a task
    TRANSFER_REFERENT = "transfer_referent"
    EXIT_PATHWAY = "exit_pathway"
    CORRECT_EXIT = "correct_exit"  # an exit recorded by mistake: its outcome and date, with a reason
    START_PATHWAY = "start_pathway"
    # People
    REGISTER_PERSON = "register_person"
    SEARCH_PEOPLE = "search_people"
    READ_PERSON = "read_person"
    RECTIFY_PERSON = "rectify_person"  # correct identity fields (RGPD Art. 16), with history
    EXPORT_PERSON = "export_person"  # everything held about a person, for them (RGPD Art. 15)
    READ_ACCESS_HISTORY = "read_access_history"  # who accessed a person's file (to answer them)
    ERASE_PERSON = "erase_person"  # anonymise a file on request (RGPD Art. 17), a reason recorded
    # Passport
    READ_PASSPORT = "read_passport"
    WRITE_PASSPORT = "write_passport"
    RECORD_CONSENT = "record_consent"
    PRINT_ACCESS_CARD = "print_access_card"
    LIST_SHARED_PEOPLE = "list_shared_people"  # a partner's list of the people shared with it
    # Contact details and appointments (issue 17)
    READ_CONTACT = "read_contact"  # phone, email, address and the reminder channels accepted
    CHANGE_CONTACT = "change_contact"  # them, and the consents to each channel (given, withdrawn)
    READ_APPOINTMENTS = "read_appointments"  # a person's appointments
    BOOK_APPOINTMENT = "book_appointment"  # book, move, cancel, record attendance
    READ_AGENDA = "read_agenda"  # an agenda: one's own (SELF), the team's for reception (STRUCTURE)
    FOLLOW_UP = "follow_up"  # one's own "Relancer la personne" after an unexcused absence: open, done
    # Models, figures, administration
    EDIT_MODELS = "edit_models"  # studio: save, check, publish, migrate, read versions
    READ_FIGURES = "read_figures"  # counts only, no person named
    SET_OBJECTIVES = "set_objectives"
    READ_STALLED_LIST = "read_stalled_list"  # names people
    ADMINISTER = "administer"  # structures and accounts
    READ_PRIVACY_REGISTER = "read_privacy_register"  # what is kept, why, how long, who sees it (no person)
    # The account itself
    READ_NOTIFICATIONS = "read_notifications"
    SIGN_OUT = "sign_out"
    # The person's own portal (identifier + access code, not a staff account)
    READ_OWN_FILE = "read_own_file"


P, S, A_ = Profile, Scope, Action
_OWN_TEAM = frozenset({S.OWN_CASELOAD, S.TEAM_LANE})
_NONE: frozenset[Scope] = frozenset()


def _row(**scopes: Iterable[Scope]) -> dict[Profile, frozenset[Scope]]:
    return {Profile(name.lower()): frozenset(found) for name, found in scopes.items()}


# action → profile → scopes. A profile missing from a row has no scope (never).
TABLE: Mapping[Action, Mapping[Profile, frozenset[Scope]]] = {
    Action.LIST_PATHWAYS: _row(
        ADMIN={S.ALL},
        SUPERVISOR={S.STRUCTURE},
        COUNSELLOR=_OWN_TEAM,
        RECEPTION={S.TEAM_LANE},
        PARTNER=_OWN_TEAM,
    ),
    Action.READ_PATHWAY: _row(
        ADMIN={S.ALL},
        SUPERVISOR={S.STRUCTURE},
        COUNSELLOR=_OWN_TEAM,
        RECEPTION={S.TEAM_LANE},
        PARTNER=_OWN_TEAM,
    ),
    Action.READ_TASKS: _row(ADMIN={S.SELF}, COUNSELLOR={S.SELF}, RECEPTION={S.SELF}, PARTNER={S.SELF}),
    Action.CHANGE_PATHWAY: _row(
        ADMIN={S.TEAM_LANE}, COUNSELLOR={S.TEAM_LANE}, RECEPTION={S.TEAM_LANE}, PARTNER={S.TEAM_LANE}
    ),
    Action.TRANSFER_REFERENT: _row(ADMIN={S.ALL}, COUNSELLOR={S.OWN_CASELOAD}, PARTNER={S.OWN_CASELOAD}),
    Action.EXIT_PATHWAY: _row(ADMIN={S.ALL}, COUNSELLOR={S.OWN_CASELOAD}, PARTNER={S.OWN_CASELOAD}),
    # A supervisor's one write on a file: the figures they answer for follow the corrected exit.
    Action.CORRECT_EXIT: _row(ADMIN={S.ALL}, SUPERVISOR={S.STRUCTURE}),
    Action.START_PATHWAY: _row(ADMIN={S.ALL}, COUNSELLOR={S.STRUCTURE}, RECEPTION={S.STRUCTURE}),
    Action.REGISTER_PERSON: _row(ADMIN={S.ALL}, COUNSELLOR={S.STRUCTURE}, RECEPTION={S.STRUCTURE}),
    Action.SEARCH_PEOPLE: _row(
        ADMIN={S.ALL},
        SUPERVISOR={S.STRUCTURE},
        COUNSELLOR=_OWN_TEAM | {S.STRUCTURE},
        RECEPTION={S.TEAM_LANE, S.STRUCTURE},
        # A partner finds its own files and the people who agreed to share their passport with it.
        PARTNER=_OWN_TEAM | {S.PARTNER_WITH_CONSENT},
    ),
    Action.READ_PERSON: _row(
        ADMIN={S.ALL},
        SUPERVISOR={S.STRUCTURE},
        COUNSELLOR=_OWN_TEAM | {S.STRUCTURE},
        RECEPTION={S.TEAM_LANE, S.STRUCTURE},
        PARTNER=_OWN_TEAM,
    ),
    Action.RECTIFY_PERSON: _row(ADMIN={S.ALL}, COUNSELLOR={S.OWN_CASELOAD}, PARTNER={S.OWN_CASELOAD}),
    Action.EXPORT_PERSON: _row(ADMIN={S.ALL}, COUNSELLOR={S.OWN_CASELOAD}, PARTNER={S.OWN_CASELOAD}),
    Action.READ_ACCESS_HISTORY: _row(ADMIN={S.ALL}, COUNSELLOR={S.OWN_CASELOAD}, PARTNER={S.OWN_CASELOAD}),
    # Not the referent: the supervisor of the person's structure answers for the decision.
    Action.ERASE_PERSON: _row(ADMIN={S.ALL}, SUPERVISOR={S.STRUCTURE}),
    Action.READ_PASSPORT: _row(
        ADMIN={S.ALL}, SUPERVISOR={S.STRUCTURE}, COUNSELLOR=_OWN_TEAM, PARTNER={S.PARTNER_WITH_CONSENT}
    ),
    Action.WRITE_PASSPORT: _row(ADMIN={S.ALL}, COUNSELLOR=_OWN_TEAM, PARTNER={S.PARTNER_WITH_CONSENT}),
    Action.RECORD_CONSENT: _row(ADMIN={S.ALL}, COUNSELLOR={S.OWN_CASELOAD}),
    Action.PRINT_ACCESS_CARD: _row(ADMIN={S.ALL}, COUNSELLOR={S.OWN_CASELOAD}),
    Action.LIST_SHARED_PEOPLE: _row(PARTNER={S.PARTNER_WITH_CONSENT}),
    # Who follows the person (and reception, who books and calls): not supervisors, not colleagues.
    **{
        action: _row(
            ADMIN={S.ALL}, COUNSELLOR=_OWN_TEAM, RECEPTION={S.TEAM_LANE, S.STRUCTURE}, PARTNER=_OWN_TEAM
        )
        for action in (A_.READ_CONTACT, A_.CHANGE_CONTACT, A_.READ_APPOINTMENTS, A_.BOOK_APPOINTMENT)
    },
    Action.READ_AGENDA: _row(
        ADMIN={S.SELF}, COUNSELLOR={S.SELF}, RECEPTION={S.SELF, S.STRUCTURE}, PARTNER={S.SELF}
    ),
    # The referent the follow-up was made for, and nobody else (it sits in their inbox).
    Action.FOLLOW_UP: _row(ADMIN={S.SELF}, COUNSELLOR={S.SELF}, PARTNER={S.SELF}),
    Action.EDIT_MODELS: _row(ADMIN={S.ALL}, COORDINATOR={S.ALL}),
    Action.READ_FIGURES: _row(ADMIN={S.ALL}, SUPERVISOR={S.STRUCTURE}, COORDINATOR={S.STRUCTURE}),
    Action.SET_OBJECTIVES: _row(ADMIN={S.ALL}, SUPERVISOR={S.STRUCTURE}),
    Action.READ_STALLED_LIST: _row(ADMIN={S.ALL}, SUPERVISOR={S.STRUCTURE}),
    Action.ADMINISTER: _row(ADMIN={S.ALL}),
    Action.READ_PRIVACY_REGISTER: _row(ADMIN={S.ALL}, SUPERVISOR={S.ALL}),  # names nobody
    Action.READ_NOTIFICATIONS: _row(**{p.name: {S.SELF} for p in Profile if p is not Profile.BENEFICIARY}),
    Action.SIGN_OUT: _row(**{p.name: {S.SELF} for p in Profile if p is not Profile.BENEFICIARY}),
    Action.READ_OWN_FILE: _row(BENEFICIARY={S.SELF}),
}

# Roles that may hold a pathway as its referent (and lanes that may not, whatever the role).
REFERENT_ROLES = frozenset({AccountRole.COUNSELLOR, AccountRole.PARTNER})


def profile(role: str, team: str | None) -> Profile:
    """The table's reading of an account: its role, the reception desk apart."""
    if role == AccountRole.COUNSELLOR and team == Lane.ACCUEIL:
        return Profile.RECEPTION
    return Profile(role) if role in Profile.__members__.values() else Profile.BENEFICIARY


def scopes(who: Profile, action: Action) -> frozenset[Scope]:
    """Where `who` may do `action` (empty: never)."""
    return TABLE[action].get(who, _NONE)


def allowed(who: Profile, action: Action) -> bool:
    """Whether `who` may do `action` somewhere (the check before looking at any file)."""
    return bool(scopes(who, action))


def may_be_referent(
    role: str, team: str | None, active: bool, structure_id: int | None, of: int | None
) -> bool:
    """Whether an account may become the referent of a pathway of structure `of` (None: a pathway the
    system started outside any structure, which any structure's referent may take)."""
    return (
        active
        and role in REFERENT_ROLES
        and profile(role, team) is not Profile.RECEPTION
        and (of is None or structure_id == of)
    )


def may_start_for(
    who: Profile, actor_id: int, has_pathways: bool, active_referents: Iterable[int | None]
) -> bool:
    """Whether `who` may start a pathway for a person of its structure, given the person's pathways.

    Reception starts first pathways only. A counsellor starts one unless an active pathway of the
    person is followed by another referent (it would then see that referent's file through the
    person). An admin always may.
    """
    if who is Profile.ADMIN:
        return True
    if who is Profile.RECEPTION:
        return not has_pathways
    if who is Profile.COUNSELLOR:
        return all(referent in (None, actor_id) for referent in active_referents)
    return False
