"""Demo data: accounts for each role and a few hundred people in varied pathway states.

Runs through the same services as real use (start, complete with valid form data, fire timers), with
a clock moved back in time, so the states are real ones: some tasks overdue, some pathways idle.
Idempotent: when the demo accounts exist, only the missing demo accounts are added, their structures
and routing codes brought up to date and the demo passports added if missing (a database loaded by an
older release gains them), nothing else is created. Passports and portal codes: demo.passports.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from parcours_engine.accounts import accounts as accounts_service
from parcours_engine.demo.appointments import load_demo_appointments
from parcours_engine.demo.passports import load_demo_passports
from parcours_engine.domain.clock import Clock, FrozenClock
from parcours_engine.domain.enums import Lane, WorkItemStatus
from parcours_engine.domain.errors import ParcoursError
from parcours_engine.pathways import beneficiaries, forms, models_cache, notifications, pathways
from parcours_engine.persistence.models import Account, Beneficiary, Pathway, WorkItem
from parcours_engine.studio import versions
from parcours_engine.studio.sample_data import sample_form_data
from parcours_engine.supervision import indicators

# (username, display name, account role, team); the password of each is printed and in README.
DEMO_ACCOUNTS = (
    ("admin", "Administratrice", "admin", None),
    ("coordination", "Claire Coordinatrice", "coordinator", "coordination"),
    # Coordinators do no tasks: the Coordination lane (IEJ's eligibility check) is a counsellor's.
    ("coordination_iej", "Paul Coordination IEJ", "counsellor", "coordination"),
    ("conseiller1", "Karim Conseiller", "counsellor", "referent"),
    ("conseiller2", "Sophie Conseillère", "counsellor", "referent"),
    ("conseiller3", "Yanis CSP", "counsellor", "referent"),
    ("accueil", "Nadia Accueil", "counsellor", "accueil"),
    ("superviseur", "Marc Superviseur", "supervisor", None),
    ("partenaire", "Lucie Partenaire", "partner", "partenaire"),
)
# Structures: (code, name, kind); which demo account belongs to which, and the IEJ routing codes
# (processes/iej_allier.bpmn sets `csp_affecte` to one of them; the holder becomes the referent).
DEMO_STRUCTURE = "ml_demo"
DEMO_STRUCTURES = (
    (DEMO_STRUCTURE, "Mission locale de démonstration", "mission_locale"),
    ("partenaire_demo", "Association partenaire (démonstration)", "partner"),
)
DEMO_MEMBERSHIP = {"admin": None, "partenaire": "partenaire_demo"}  # everyone else: DEMO_STRUCTURE
DEMO_ROUTING = {
    "conseiller1": "csp_ase_departement",
    "conseiller2": "csp_mna_moulins",
    "conseiller3": "csp_mna_vichy",
    "accueil": None,
}
DEMO_PASSWORD = "demo-parcours-2026"  # noqa: S105 - documented demo credential, demo accounts only

LAST_NAMES = (
    "Martin",
    "Bernard",
    "Benali",
    "Petit",
    "Haddad",
    "Moreau",
    "Diallo",
    "Laurent",
    "Mansouri",
    "Garcia",
    "Roux",
    "Traoré",
    "Fournier",
    "Bouzid",
    "Girard",
    "Mercier",
    "Cissé",
    "Lefebvre",
)
FIRST_NAMES = (
    "Inès",
    "Lucas",
    "Yasmine",
    "Nathan",
    "Amina",
    "Hugo",
    "Sarah",
    "Rayan",
    "Léa",
    "Mehdi",
    "Chloé",
    "Adam",
    "Manon",
    "Sofiane",
    "Camille",
    "Moussa",
    "Lina",
    "Théo",
)


def load_demo(session: Session, clock: Clock, people: int = 240, seed: int = 2026) -> str:
    if session.scalar(select(Account).where(Account.username == "conseiller1")) is not None:
        _create_accounts(session, clock)  # the demo accounts an older release did not have
        _place_accounts(session)
        load_demo_passports(session, clock)  # a database loaded by an older release gains them
        load_demo_appointments(session, clock)  # and appointments
        return "demo data already loaded"
    programmes = list(versions.catalogue(session))
    if not programmes:
        return "no programme is published: run `parcours-engine processes publish processes/` first"
    rng = random.Random(seed)
    accounts = _create_accounts(session, clock)
    structure_id = _place_accounts(session)
    referents = [a for a in accounts if a.team == Lane.REFERENT]
    started = steps = 0
    for _ in range(people):
        then = FrozenClock(clock.now() - timedelta(days=rng.randint(5, 300)))
        person = _create_person(session, then, rng)
        person.structure_id = structure_id
        try:
            pathway = pathways.start_pathway(
                session,
                then,
                rng.choice(programmes),
                person.id,
                "demo",
                rng.choice(referents).id,
                structure_id=structure_id,
            )
        except ParcoursError:
            continue
        started += 1
        steps += _advance(session, then, clock, pathway.id, rng)
    passports = load_demo_passports(session, clock)
    booked = load_demo_appointments(session, clock)
    _set_objectives(session, clock, programmes, structure_id, started)
    for account in accounts:  # the demo's own assignments are not news to anyone
        notifications.mark_all_read(session, clock, account.id)
    return (
        f"demo data loaded: {len(accounts)} accounts (password {DEMO_PASSWORD!r}), "
        f"{started} pathways, {steps} steps, {passports}, {booked}"
    )


def _set_objectives(
    session: Session, clock: Clock, programmes: list[str], structure_id: int, started: int
) -> None:
    """This year's objective of entries of the demo structure, per programme: a little above what the
    demo started in it, so that the dashboard shows an objective being met."""
    year = clock.now().year
    per_programme = max(started // max(len(programmes), 1), 1)
    for programme in programmes:
        indicators.set_objective(session, clock, programme, year, per_programme + 5, "demo", structure_id)


def _create_accounts(session: Session, clock: Clock) -> list[Account]:
    """The demo accounts that do not exist yet (all of them on a fresh database)."""
    existing = set(session.scalars(select(Account.username)))
    hasher = PasswordHasher()
    accounts = [
        Account(
            username=u,
            display_name=n,
            role=r,
            team=t,
            password_hash=hasher.hash(DEMO_PASSWORD),
            active=True,
            created_at=clock.now(),
        )
        for u, n, r, t in DEMO_ACCOUNTS
        if u not in existing
    ]
    session.add_all(accounts)
    session.flush()
    return accounts


def _place_accounts(session: Session) -> int:
    """Create the demo structures, put the demo accounts in them; the demo structure's id."""
    codes = {
        code: accounts_service.ensure_structure(session, code, name, kind).id
        for code, name, kind in DEMO_STRUCTURES
    }
    for account in session.scalars(
        select(Account).where(Account.username.in_([a[0] for a in DEMO_ACCOUNTS]))
    ):
        membership = DEMO_MEMBERSHIP.get(account.username, DEMO_STRUCTURE)
        if account.structure_id is None and membership is not None:
            account.structure_id = codes[membership]
        if account.routing_code is None and DEMO_ROUTING.get(account.username):
            account.routing_code = DEMO_ROUTING[account.username]
    # Pathways and people loaded by a release without structures join the demo structure.
    for table in (Pathway, Beneficiary):
        session.execute(
            update(table).where(table.structure_id.is_(None)).values(structure_id=codes[DEMO_STRUCTURE])
        )
    session.flush()
    return codes[DEMO_STRUCTURE]


def _create_person(session: Session, clock: Clock, rng: random.Random):  # type: ignore[no-untyped-def]
    today = clock.now().date()
    age_days = rng.randint(16 * 365 + 10, 29 * 365)
    return beneficiaries.create_beneficiary(
        session,
        clock,
        last_name=rng.choice(LAST_NAMES),
        first_name=rng.choice(FIRST_NAMES),
        birth_date=today - timedelta(days=age_days),
        sex=rng.choice("FM"),
        qualification_level=rng.choice(beneficiaries.QUALIFICATION_LEVELS),
        priority_district=rng.random() < 0.3,
        departement=rng.choice(("03", "13", "2B")),
        territory=rng.choice(("moulins", "vichy", "montlucon")),
        ase=rng.random() < 0.3,
        mna=rng.random() < 0.15,
    )


def _advance(session: Session, then: FrozenClock, real: Clock, pathway_id: int, rng: random.Random) -> int:
    """Walk a pathway forward a random number of steps, never past the real now; most pathways then
    take one more step in the last few days, so that an inbox looks like a real one: a few tasks
    overdue, most due in the coming weeks."""
    steps = 0
    for _ in range(rng.randint(0, 8)):
        then.advance(days=rng.randint(1, 20))
        if then.now() >= real.now():
            return steps
        if not _step(session, then, pathway_id, rng):
            return steps
        steps += 1
    recent = real.now() - timedelta(days=rng.randint(0, 4), hours=rng.randint(1, 8))
    if rng.random() < 0.85 and recent > then.now():
        then.advance(recent - then.now())
        steps += _step(session, then, pathway_id, rng)
    return steps


def _step(session: Session, then: FrozenClock, pathway_id: int, rng: random.Random) -> bool:
    """Fire the pathway's due timers and complete its first open task with sample data, as `then`."""
    pathways.fire_timers(session, then, pathway_id)
    item = session.scalar(
        select(WorkItem)
        .where(WorkItem.pathway_id == pathway_id, WorkItem.status == WorkItemStatus.OPEN)
        .limit(1)
    )
    if item is None:
        return False
    pathway = pathways.get_pathway(session, pathway_id)
    model = models_cache.model_for(pathway.process_version)
    schema, day = (forms.schema(model, item.form), then.now().date()) if item.form else ({}, None)
    # The seeded plain draw first (its answers are what the demo always had); when a form's patterns
    # or conditional requirements refuse it, a draw that honours them.
    attempts: tuple[dict[str, Any] | None, ...] = (None, {})
    for attempt in attempts:
        data = sample_form_data(schema, rng, day, given=attempt) if item.form and day else {}
        try:
            with session.begin_nested():
                pathways.complete_work_item(session, then, item.id, data, "demo")
        except ParcoursError:
            continue
        return True
    return False
