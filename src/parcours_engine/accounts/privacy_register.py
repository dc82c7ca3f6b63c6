"""The register of personal data (RGPD Art. 30): what is kept about the people followed, why (the
legal basis), for how long and who can see or change it, generated from the code's own configuration.

Nothing here is a copy that could drift: the tables and their columns come from the database model
(every table holding a `beneficiary_id`, `pathway_id` or `passport_id` column is listed, a table no
category names lands in "à classer"), the periods from the retention rules as the deployment sets
them (`domain.retention.rules_from`), who reads and changes each category from the permission table
(`domain.permissions.TABLE`), and the forms' fields from the newest published version of each
programme. Only the purposes and legal bases are written here, in French: the DPO's language.
The web page and `parcours-engine privacy register` (text or `--json`) render the same `Register`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Table, func, select
from sqlalchemy.orm import Session

from parcours_engine import access
from parcours_engine.domain.permissions import TABLE, Action, Profile
from parcours_engine.domain.retention import RetentionRules, rules_from
from parcours_engine.persistence.models import Account, Base, ProcessVersion  # with every table

PERSONAL_KEYS = ("beneficiary_id", "pathway_id", "passport_id")  # a row about one person
_PUBLIC_INTEREST = (
    "Mission d'intérêt public (art. 6.1.e RGPD) : l'accompagnement vers l'emploi et l'insertion "
    "confié aux missions locales, aux services RSA et à leurs partenaires (code du travail, CASF)."
)
_FILE = "file"  # kept as long as the person's file (the retention rule)
_LOG = "access_log"  # kept as long as the access log
_FOREVER = "forever"  # names nobody once the file is anonymised


@dataclass(frozen=True)
class _Declared:
    """What the code declares about a category: its purpose and basis, and which actions read and
    change it (the permission table says who may)."""

    title: str
    purpose: str
    legal_basis: str
    kept: str
    tables: tuple[str, ...]
    reads: tuple[Action, ...]
    changes: tuple[Action, ...]


CATEGORIES: dict[str, _Declared] = {
    "identity": _Declared(
        "Identité de la personne",
        "Identifier la personne accompagnée, la retrouver, compter les entrées par profil.",
        _PUBLIC_INTEREST,
        _FILE,
        ("beneficiary", "identity_correction"),
        (Action.READ_PERSON, Action.SEARCH_PEOPLE, Action.EXPORT_PERSON),
        (Action.REGISTER_PERSON, Action.RECTIFY_PERSON, Action.ERASE_PERSON),
    ),
    "pathways": _Declared(
        "Parcours, tâches et réponses aux formulaires",
        "Suivre le parcours : étapes, tâches, réponses des formulaires, référents, issue ; "
        "calculer les indicateurs des financeurs.",
        _PUBLIC_INTEREST,
        _FILE,
        (
            "pathway",
            "pathway_state",
            "pathway_event",
            "work_item",
            "waiting_element",
            "idle_period",
            "programme_person",
            "referent_assignment",
            "incident",
            "notification",
        ),
        (Action.READ_PATHWAY, Action.LIST_PATHWAYS, Action.READ_STALLED_LIST),
        (
            Action.START_PATHWAY,
            Action.CHANGE_PATHWAY,
            Action.TRANSFER_REFERENT,
            Action.EXIT_PATHWAY,
            Action.CORRECT_EXIT,
        ),
    ),
    "passport": _Declared(
        "Passeport emploi",
        "Montrer aux employeurs les compétences, expériences et références de la personne.",
        _PUBLIC_INTEREST + " Partage avec une structure partenaire : consentement (art. 6.1.a RGPD).",
        _FILE,
        ("passport", "competence_assessment", "experience", "reference_document"),
        (Action.READ_PASSPORT,),
        (Action.WRITE_PASSPORT,),
    ),
    "consent": _Declared(
        "Consentements au partage",
        "Savoir quelle structure partenaire peut lire et compléter le passeport, depuis quand.",
        "Consentement de la personne (art. 6.1.a et 7 RGPD), retirable à tout moment.",
        _FILE,
        ("sharing_consent",),
        (Action.READ_PASSPORT, Action.LIST_SHARED_PEOPLE),
        (Action.RECORD_CONSENT,),
    ),
    "portal": _Declared(
        "Accès de la personne à son dossier",
        "Permettre à la personne de lire son dossier, de télécharger ses données et de voir qui y a accédé.",
        "Obligation légale : droit d'accès (art. 15 RGPD).",
        _FILE,
        ("portal_access",),
        (Action.PRINT_ACCESS_CARD,),
        (Action.PRINT_ACCESS_CARD,),
    ),
    "contact": _Declared(
        "Coordonnées et canaux de rappel",
        "Joindre la personne, la convoquer et lui rappeler ses rendez-vous sur les canaux qu'elle accepte.",
        _PUBLIC_INTEREST + " Rappels par e-mail ou SMS : consentement (art. 6.1.a RGPD), retirable.",
        _FILE,
        ("contact_details", "contact_consent"),
        (Action.READ_CONTACT,),
        (Action.CHANGE_CONTACT,),
    ),
    "appointments": _Declared(
        "Rendez-vous",
        "Organiser les rendez-vous de l'accompagnement, noter la présence, repérer les absences et "
        "relancer la personne après une absence non excusée.",
        _PUBLIC_INTEREST,
        _FILE,
        ("appointment", "appointment_follow_up"),
        (Action.READ_APPOINTMENTS, Action.READ_AGENDA, Action.FOLLOW_UP),
        (Action.BOOK_APPOINTMENT, Action.FOLLOW_UP),
    ),
    "access_log": _Declared(
        "Journal des accès",
        "Tracer qui a consulté, modifié ou exporté un dossier, les listes et recherches, les tentatives "
        "refusées ; repérer les accès inhabituels (recommandation CNIL de 2021 sur la journalisation).",
        "Obligation de sécurité (art. 32 RGPD).",
        _LOG,
        ("access_log",),
        (Action.READ_ACCESS_HISTORY, Action.ADMINISTER),
        (),
    ),
    "erasure": _Declared(
        "Anonymisations",
        "Rendre compte des dossiers anonymisés : quand, sur quelle base, pour quel motif, par qui.",
        "Obligation de rendre compte (art. 5.2 RGPD).",
        _FOREVER,
        ("erasure",),
        (Action.ADMINISTER,),
        (Action.ERASE_PERSON,),
    ),
}


@dataclass(frozen=True)
class Right:
    """Who may do an action: each profile and its scopes (codes of domain.permissions)."""

    action: str
    profiles: dict[str, list[str]]


@dataclass(frozen=True)
class TableInfo:
    name: str
    columns: list[str]


@dataclass(frozen=True)
class Category:
    code: str
    title: str
    purpose: str
    legal_basis: str
    kept_for: str  # in words, from the retention rules
    tables: list[TableInfo]
    readers: list[Right]
    changers: list[Right]


@dataclass(frozen=True)
class FormInfo:
    programme: str
    version: int
    form: str
    title: str
    fields: list[dict[str, str]]  # name, title, kind (liste fermée, date, nombre, texte libre...)
    programme_name: str = ""  # what people read (the code is for files and commands)


@dataclass(frozen=True)
class Register:
    generated_at: str
    retention_years: int
    retention_by_programme: dict[str, int]
    access_log_months: int
    categories: list[Category]
    forms: list[FormInfo]
    person_reads_own_file: bool  # the portal (READ_OWN_FILE)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def tables(self) -> set[str]:
        return {table.name for category in self.categories for table in category.tables}


def for_account(session: Session, actor: Account, now: datetime) -> Register:
    """The register, for who may read it (READ_PRIVACY_REGISTER)."""
    access.require(actor, Action.READ_PRIVACY_REGISTER)
    return build(session, now)


def build(session: Session, now: datetime, environ: Mapping[str, str] = os.environ) -> Register:
    """The register as the code and the deployment's settings make it now."""
    rules = rules_from(environ)
    tables = _personal_tables()
    categories = [_category(code, declared, tables, rules) for code, declared in CATEGORIES.items()]
    named = {name for declared in CATEGORIES.values() for name in declared.tables}
    unclassified = sorted(set(tables) - named)
    if unclassified:  # a new table about people: listed, never silently left out
        categories.append(
            Category(
                "unclassified",
                "Autres tables à classer",
                "À préciser : une table nouvelle contient des données sur des personnes.",
                "À préciser.",
                _kept_for(_FILE, rules),
                [TableInfo(name, tables[name]) for name in unclassified],
                [],
                [],
            )
        )
    return Register(
        generated_at=now.isoformat(),
        retention_years=rules.years,
        retention_by_programme=dict(sorted(rules.by_programme.items())),
        access_log_months=rules.access_log_months,
        categories=categories,
        forms=_forms(session),
        person_reads_own_file=bool(TABLE[Action.READ_OWN_FILE].get(Profile.BENEFICIARY)),
    )


def _personal_tables() -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for table in Base.metadata.tables.values():
        assert isinstance(table, Table)
        columns = [column.name for column in table.columns]
        if table.name == "beneficiary" or any(key in columns for key in PERSONAL_KEYS):
            found[table.name] = columns
    return found


def _category(
    code: str, declared: _Declared, tables: dict[str, list[str]], rules: RetentionRules
) -> Category:
    return Category(
        code=code,
        title=declared.title,
        purpose=declared.purpose,
        legal_basis=declared.legal_basis,
        kept_for=_kept_for(declared.kept, rules),
        tables=[TableInfo(name, tables.get(name, [])) for name in declared.tables],
        readers=[_right(action) for action in declared.reads],
        changers=[_right(action) for action in declared.changes],
    )


def _right(action: Action) -> Right:
    profiles = {str(who): sorted(str(s) for s in scopes) for who, scopes in TABLE[action].items() if scopes}
    return Right(str(action), dict(sorted(profiles.items())))


def _kept_for(kind: str, rules: RetentionRules) -> str:
    if kind == _LOG:
        return f"{rules.access_log_months} mois, puis supprimé (PARCOURS_ACCESS_LOG_MONTHS)."
    if kind == _FOREVER:
        return "Sans limite : la ligne ne nomme plus personne (le dossier est anonymisé)."
    text = (
        f"{rules.years} an(s) après la dernière sortie du dernier parcours de la personne, "
        "puis anonymisé (PARCOURS_RETENTION_YEARS)"
    )
    special = [f"{programme} : {years} an(s)" for programme, years in sorted(rules.by_programme.items())]
    return text + (f" ; par programme : {', '.join(special)}." if special else ".")


def _forms(session: Session) -> list[FormInfo]:
    """The fields of every form of the newest published version of each programme."""
    newest = (
        select(ProcessVersion.programme, func.max(ProcessVersion.version).label("v"))
        .group_by(ProcessVersion.programme)
        .subquery()
    )
    versions = session.scalars(
        select(ProcessVersion)
        .join(
            newest, (ProcessVersion.programme == newest.c.programme) & (ProcessVersion.version == newest.c.v)
        )
        .order_by(ProcessVersion.programme)
    )
    found = []
    for version in versions:
        for name, text in sorted(json.loads(version.forms_json).items()):
            schema = json.loads(text)
            if not isinstance(schema, dict) or not isinstance(schema.get("properties"), dict):
                continue  # a shared referential, not a form
            fields = [
                {"name": key, "title": str(spec.get("title", key)), "kind": _kind(spec)}
                for key, spec in schema["properties"].items()
                if isinstance(spec, dict)
            ]
            found.append(
                FormInfo(
                    version.programme,
                    version.version,
                    name,
                    str(schema.get("title", name)),
                    fields,
                    version.name or version.programme,
                )
            )
    return found


def _kind(spec: Mapping[str, Any]) -> str:
    if "enum" in spec or "oneOf" in spec or "const" in spec:
        return "liste fermée"
    kind = spec.get("type")
    if spec.get("format") in ("date", "date-time"):
        return "date"
    if kind in ("integer", "number"):
        return "nombre"
    if kind == "boolean":
        return "oui/non"
    if kind == "array":
        return "liste"
    if kind == "object":
        return "groupe"
    if kind == "string" and spec.get("pattern"):
        return "code"
    return "texte libre" if kind == "string" else str(kind or "?")
