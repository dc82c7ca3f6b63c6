"""Demo passports: a dozen people whose employment passport has a history, three with a portal code.

Part of `parcours-engine demo load` (demo.workspace), after the demo people exist. Everything goes
through the services a referent uses (passport, consent, portal) with a clock moved back in time, so
the referential's closed lists and the services' rules apply, and the access log reads as real use.

The people who sign in to the portal (`PORTAL_PEOPLE`, all with `DEMO_PORTAL_CODE`, both in README)
are created here with fixed identifiers: the other demo people's identifiers depend on the year the
demo was loaded, so README could not name one. Idempotent: the first portal person marks that this
was done (a single transaction does it all); a database loaded by an older release gains it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from io import BytesIO

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock, FrozenClock
from parcours_engine.domain.enums import WorkItemStatus
from parcours_engine.domain.errors import ParcoursError
from parcours_engine.passport import consent, passport, portal, references
from parcours_engine.passport.referential import Referential, referential
from parcours_engine.passport.tasks import OPENING
from parcours_engine.pathways import beneficiaries, pathways
from parcours_engine.persistence.models import Account, Beneficiary, Pathway, WorkItem
from parcours_engine.persistence.models.passport import Experience, Passport
from parcours_engine.studio import versions

DEMO_PORTAL_CODE = "PASS-2345"  # a documented demo credential: the demo portal people only
ROUTE = "demo load"  # what the access log shows as the page the demo's changes came from
REFERENTS = ("conseiller1", "conseiller2", "conseiller3")  # demo.workspace's referent accounts
PARTNER = "partenaire"  # demo.workspace's partner account, of the partner structure
PORTAL_PROGRAMME = "passeport_emploi"  # preferred for the portal people when it is published
OTHER_PASSPORTS = 9  # demo people (besides the portal people) whose passport gets a history


@dataclass(frozen=True)
class PortalPerson:
    identifier: str
    last_name: str
    first_name: str
    sex: str
    referent: str
    days_ago: int  # when their pathway and passport opened: how long a history they have
    shares: bool  # agrees to share their passport with the partner structure


PORTAL_PEOPLE = (
    PortalPerson("PE-DEMO-0001", "Benali", "Inès", "F", "conseiller1", 240, shares=True),
    PortalPerson("PE-DEMO-0002", "Diallo", "Moussa", "M", "conseiller2", 150, shares=True),
    PortalPerson("PE-DEMO-0003", "Mercier", "Camille", "F", "conseiller1", 75, shares=False),
)
# Fictitious companies and the ROME code of the job held there (its letter is the sector).
COMPANIES = (
    ("Boulangerie du Marché", "D1102"),
    ("Supermarché des Quatre Chemins", "D1507"),
    ("Restaurant Le Bourbonnais", "G1602"),
    ("Hôtel du Parc thermal", "G1501"),
    ("Garage de l'Allier", "I1604"),
    ("Plateforme logistique de Varennes", "N1103"),
    ("Espaces verts du Val de Cher", "A1203"),
    ("Rénovation Montluçon Bâtiment", "F1606"),
    ("EHPAD Les Tilleuls", "J1501"),
    ("Atelier mécanique de Commentry", "H2903"),
    ("Ressourcerie Allier Solidaire", "K2303"),
)
# How long a period of each kind lasts, in days; None: it goes on (ended_on stays empty).
DURATIONS: dict[str, tuple[int, int] | None] = {
    "pmsmp": (5, 15),
    "stage": (14, 45),
    "benevolat": (14, 60),
    "cdd": (30, 120),
    "interim": (7, 45),
    "contrat_aide": (90, 180),
    "alternance": None,
    "cdi": None,
}  # creating one's own business (creation_activite) does not fit the companies above
# What a period leaves behind: the passport's `reference_obtained` and the kind of document attached.
REFERENCES = {"pmsmp": "attestation_stage", "stage": "attestation_stage", "benevolat": "aucune"}
DOCUMENTS = {
    "pmsmp": "attestation_immersion",
    "stage": "attestation_stage",
    "benevolat": "attestation_benevolat",
}


@dataclass
class Story:
    """Who writes one person's passport, and when (a clock that walks from the opening to today)."""

    person_id: int
    referent: Account
    partner: Account | None  # writes the first period when the person shares their passport
    then: FrozenClock
    today: date
    attach: bool  # portal people get the attestations of their periods, to download


def load_demo_passports(session: Session, clock: Clock, seed: int = 2026) -> str:
    """Fill the demo passports and issue the portal codes, unless done already; a line for the report."""
    if session.scalar(select(Beneficiary.id).where(Beneficiary.identifier == PORTAL_PEOPLE[0].identifier)):
        return "demo passports already loaded"
    referents = {
        a.username: a for a in session.scalars(select(Account).where(Account.username.in_(REFERENTS)))
    }
    if len(referents) < len(REFERENTS):
        return "no demo passports: the demo accounts are missing"
    partner = session.scalar(select(Account).where(Account.username == PARTNER))
    rng = random.Random(seed)
    stories = [_portal_story(session, clock, p, referents[p.referent], partner, rng) for p in PORTAL_PEOPLE]
    stories += _other_stories(session, clock, referents, partner, rng, {s.person_id for s in stories})
    for story in stories:
        _tell(session, story, rng)
    for story in stories[: len(PORTAL_PEOPLE)]:
        portal.issue_code(session, clock, story.referent, story.person_id, ROUTE, code=DEMO_PORTAL_CODE)
    names = ", ".join(p.identifier for p in PORTAL_PEOPLE)
    return f"{len(stories)} passports; portal sign-in {names} with code {DEMO_PORTAL_CODE!r}"


def _portal_story(
    session: Session,
    clock: Clock,
    spec: PortalPerson,
    referent: Account,
    partner: Account | None,
    rng: random.Random,
) -> Story:
    """Register the person, start their pathway and open their passport `spec.days_ago` days ago."""
    then = FrozenClock(clock.now() - timedelta(days=spec.days_ago))
    person = beneficiaries.create_beneficiary(
        session,
        then,
        last_name=spec.last_name,
        first_name=spec.first_name,
        birth_date=then.now().date() - timedelta(days=rng.randint(18 * 365, 24 * 365)),
        sex=spec.sex,
        qualification_level=rng.choice(beneficiaries.QUALIFICATION_LEVELS),
        departement="03",
        territory=rng.choice(("moulins", "vichy", "montlucon")),
        identifier=spec.identifier,
        structure_id=referent.structure_id,
    )
    pathway = _start(session, then, person.id, referent)
    then.advance(days=2)
    _complete_opening(session, then, pathway.id, referent)
    sharing = partner if spec.shares else None
    return Story(person.id, referent, sharing, then, clock.now().date(), attach=True)


def _start(session: Session, then: Clock, person_id: int, referent: Account) -> Pathway:
    """A pathway with `referent` (who may then write the passport), in the passport's programme if any."""
    published = list(versions.catalogue(session))
    refused: ParcoursError = ParcoursError("programme.none_published")
    for programme in sorted(published, key=lambda p: p != PORTAL_PROGRAMME):
        try:
            with session.begin_nested():
                return pathways.start_pathway(
                    session, then, programme, person_id, referent.username, referent.id, referent.structure_id
                )
        except ParcoursError as error:
            refused = error  # this one would not start: the next
    raise refused


def _complete_opening(session: Session, then: Clock, pathway_id: int, referent: Account) -> None:
    """The programme's own opening task, when it has one, opens the passport as in real use."""
    item = session.scalar(
        select(WorkItem).where(
            WorkItem.pathway_id == pathway_id,
            WorkItem.status == WorkItemStatus.OPEN,
            WorkItem.form == OPENING,
        )
    )
    if item is None:
        return
    data = {
        "date_ouverture": then.now().date().isoformat(),
        "public": "mission_locale",
        "structure_referente": "mission_locale",
        "charte_acceptee": True,
        "identifiant_remis": True,
    }
    try:
        with session.begin_nested():
            pathways.complete_work_item(session, then, item.id, data, referent.username)
    except ParcoursError:
        pass  # the form changed since: the passport is opened through the passport service instead


def _other_stories(
    session: Session,
    clock: Clock,
    referents: dict[str, Account],
    partner: Account | None,
    rng: random.Random,
    taken: set[int],
) -> list[Story]:
    """Demo people followed by a demo referent since long enough to have a history (not `taken`).

    Those whose passport the Passeport emploi programme opened (still all "à vérifier") come first.
    """
    today = clock.now().date()
    rows = session.execute(
        select(Pathway.beneficiary_id, Pathway.referent_id, Pathway.started_at, Passport.opened_on)
        .outerjoin(Passport, Passport.beneficiary_id == Pathway.beneficiary_id)
        .where(Pathway.referent_id.in_([a.id for a in referents.values()]))
        .order_by(Pathway.beneficiary_id, Pathway.id)
    ).all()
    by_id = {a.id: a for a in referents.values()}
    seen = set(taken)  # also: one story per person, whatever their number of pathways
    opened: list[tuple[int, Account, date]] = []
    fresh: list[tuple[int, Account, date]] = []
    for person_id, referent_id, started_at, opened_on in rows:
        start = opened_on or started_at.date() + timedelta(days=3)
        if referent_id is None or person_id in seen or (today - start).days < 45:
            continue
        seen.add(person_id)
        (opened if opened_on else fresh).append((person_id, by_id[referent_id], start))
    rng.shuffle(opened)
    rng.shuffle(fresh)
    stories = []
    for person_id, referent, start in (opened + fresh)[:OTHER_PASSPORTS]:
        then = FrozenClock(clock.now() - timedelta(days=(today - start).days))
        sharing = partner if rng.random() < 0.4 else None
        stories.append(Story(person_id, referent, sharing, then, today, attach=False))
    return stories


def _tell(session: Session, story: Story, rng: random.Random) -> None:
    """Opening, a first look at the competences, then periods in companies each followed by new levels."""
    ref = referential()
    if passport.view(session, story.person_id).passport is None:  # the programme may have opened it
        passport.open_passport(session, story.then, story.referent, story.person_id, ROUTE)
    levels = {c.code: c.level for c in passport.view(session, story.person_id).competences}
    if not _wait(story, rng, 5, 15):
        return
    _assess(session, story, ref, levels, rng, None)
    partner = story.partner if story.partner is not None and story.partner.structure_id else None
    # One consent in force at a time: a demo user may have recorded one already.
    if (
        partner is not None
        and partner.structure_id is not None
        and _wait(story, rng, 1, 10)
        and consent.active(session, story.person_id, partner.structure_id) is None
    ):
        day = _day(story)
        consent.give(session, story.then, story.referent, story.person_id, partner.structure_id, day, ROUTE)
    for index in range(3):
        if not _wait(story, rng, 7, 30):
            return
        kind = _kind(ref, rng, employment=index > 0 and rng.random() < 0.7, last=index == 2)
        writer = partner if index == 0 and partner is not None else story.referent
        experience = _period(session, story, ref, kind, writer, rng)
        if experience.ended_on is None:
            return  # it goes on: nothing to assess yet
        _assess(session, story, ref, levels, rng, experience.id)
        if story.attach and kind in DOCUMENTS:
            _attach(session, story, ref, experience, DOCUMENTS[kind])


def _wait(story: Story, rng: random.Random, low: int, high: int) -> bool:
    """Move the story's clock on by `low` to `high` days; False when that would pass today."""
    story.then.advance(days=rng.randint(low, high))
    return _day(story) <= story.today


def _day(story: Story) -> date:
    return story.then.now().date()


def _kind(ref: Referential, rng: random.Random, employment: bool, last: bool) -> str:
    """An immersion, internship or volunteering first; employment situations later, open-ended last."""
    kinds = [
        k.code
        for k in ref.period_kinds
        if k.employment == employment and k.code in DURATIONS and (last or DURATIONS[k.code] is not None)
    ]
    return rng.choice(kinds or [k.code for k in ref.period_kinds])


def _period(
    session: Session, story: Story, ref: Referential, kind: str, writer: Account, rng: random.Random
) -> Experience:
    """A period recorded when it ended, or when it started if it still goes on today."""
    company, rome = rng.choice(COMPANIES)
    started_on, length = _day(story), DURATIONS.get(kind, (14, 45))
    ended_on = started_on + timedelta(days=rng.randint(*length)) if length else None
    if ended_on is not None and ended_on <= story.today:
        story.then.advance(days=(ended_on - started_on).days)
        obtained = REFERENCES.get(kind, rng.choice(("certificat_travail", "attestation_employeur")))
    else:
        ended_on, obtained = None, None
    given = passport.ExperienceInput(
        company=company,
        sector=rome[0],
        kind=kind,
        started_on=started_on,
        ended_on=ended_on,
        rome_code=rome,
        reference_obtained=obtained if obtained in ref.codes("references_obtained") else None,
    )
    return passport.add_experience(session, story.then, writer, story.person_id, given, ROUTE)


def _assess(
    session: Session,
    story: Story,
    ref: Referential,
    levels: dict[str, str],
    rng: random.Random,
    experience_id: int | None,
) -> None:
    """The referent (with the employer after a period) moves some competences on, mostly upwards."""
    ranked = [lv.code for lv in sorted(ref.levels, key=lambda lv: lv.rank or 0) if lv.rank is not None]
    new: dict[str, str] = {}
    for code in rng.sample(sorted(levels), k=min(len(levels), rng.randint(4, 7))):
        if levels[code] not in ranked:  # first assessment: rarely acquired at once
            index = min(rng.randint(0, 1) + (rng.random() < 0.2), len(ranked) - 1)
        else:
            roll = rng.random()
            index = ranked.index(levels[code]) + (1 if roll < 0.55 else -1 if roll > 0.92 else 0)
        new[code] = ranked[max(0, min(index, len(ranked) - 1))]
    levels.update(new)
    passport.update_competences(
        session, story.then, story.referent, story.person_id, new, _day(story), experience_id, ROUTE
    )


def _attach(session: Session, story: Story, ref: Referential, experience: Experience, kind: str) -> None:
    if kind in ref.codes("document_kinds"):
        content = _attestation(ref.label("document_kinds", kind), experience)
        references.attach_reference(
            session,
            story.then,
            story.referent,
            story.person_id,
            kind,
            _day(story),
            content,
            ROUTE,
            experience.id,
        )


def _attestation(title: str, experience: Experience) -> bytes:
    """A one-page PDF standing for the attestation the company signed (same bytes on every load)."""
    buffer = BytesIO()
    page = Canvas(buffer, pagesize=A4, invariant=True)
    page.setTitle(title)
    page.setFont("Helvetica-Bold", 16)
    page.drawString(72, 760, title)
    page.setFont("Helvetica", 11)
    lines = (
        experience.company,
        f"Du {experience.started_on:%d/%m/%Y} au {experience.ended_on:%d/%m/%Y}",
        "Document de démonstration : il tient lieu de l'attestation remise par l'entreprise.",
    )
    for offset, line in enumerate(lines):
        page.drawString(72, 720 - 20 * offset, line)
    page.save()
    return buffer.getvalue()
