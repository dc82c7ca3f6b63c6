"""Retention and erasure (RGPD Art. 5(1)(e) and 17): files past their period, or erased on request,
are anonymised; the access log past its period is purged.

Anonymising keeps every row the funders' indicators count (the person's row, their pathways with
their entry profile, dates and outcomes, their passport's experiences, assessments and documents as
dated facts) and removes what names or describes the person: their identity (names, identifier,
birth day and month), the engine state with every answer their tasks recorded, the events' and
incidents' details, notifications about them, the uploaded documents' contents, the companies named,
their contact details and reminder consents, their portal access, their identity corrections and the access log about them. An `erasure` row says
when, on which basis and why. Past years' indicators read the same before and after.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from parcours_engine.domain.clock import Clock
from parcours_engine.domain.enums import PathwayStatus
from parcours_engine.domain.retention import RetentionRules
from parcours_engine.persistence.models import (
    AccessLog,
    Beneficiary,
    Erasure,
    IdentityCorrection,
    Incident,
    Notification,
    Pathway,
    PathwayEvent,
    PathwayState,
)
from parcours_engine.persistence.models.appointments import ContactConsent, ContactDetails
from parcours_engine.persistence.models.passport import Experience, Passport, PortalAccess, ReferenceDocument

RETENTION, REQUEST = "retention", "request"
ANONYMOUS = "ANONYME"


@dataclass(frozen=True)
class RetentionReport:
    people: list[int]  # anonymised (or due, on a dry run)
    access_log_rows: int  # purged (or due)
    dry_run: bool


def due_people(session: Session, now: datetime, rules: RetentionRules) -> list[int]:
    """People whose every pathway ended longer ago than its programme's period (none still active),
    or registered longer ago than the default period without any pathway; not yet anonymised."""
    erased = select(Erasure.beneficiary_id)
    rows = session.execute(
        select(Pathway.beneficiary_id, Pathway.programme, Pathway.status, Pathway.ended_at).where(
            Pathway.beneficiary_id.not_in(erased)
        )
    )
    until: dict[int, list[datetime | None]] = defaultdict(list)
    for person_id, programme, status, ended_at in rows:
        if status == PathwayStatus.ACTIVE or ended_at is None:
            until[person_id].append(None)
        else:
            until[person_id].append(rules.file_kept_until(programme, ended_at))
    due = [
        person_id
        for person_id, dates in until.items()
        if None not in dates and max(d for d in dates if d is not None) <= now
    ]
    alone = session.execute(
        select(Beneficiary.id, Beneficiary.created_at).where(
            Beneficiary.id.not_in(erased), Beneficiary.id.not_in(select(Pathway.beneficiary_id))
        )
    )
    due += [person_id for person_id, created in alone if rules.file_kept_until("", created) <= now]
    return sorted(due)


def anonymise(
    session: Session, clock: Clock, person_id: int, basis: str, reason: str, account_id: int | None = None
) -> None:
    """Anonymise one person's file (see the module's docstring); recorded in `erasure`."""
    person = session.get(Beneficiary, person_id)
    if person is None or session.scalar(select(Erasure.id).where(Erasure.beneficiary_id == person_id)):
        return
    person.identifier = f"ANON-{person.id}"
    person.last_name, person.first_name = ANONYMOUS, "-"
    person.birth_date = date(person.birth_date.year, 1, 1)  # the year keeps the age bands
    person.territory = None
    pathways = select(Pathway.id).where(Pathway.beneficiary_id == person_id)
    session.execute(delete(PathwayState).where(PathwayState.pathway_id.in_(pathways)))
    session.execute(
        update(PathwayEvent).where(PathwayEvent.pathway_id.in_(pathways)).values(detail_json="{}")
    )
    session.execute(delete(Incident).where(Incident.pathway_id.in_(pathways)))
    session.execute(delete(Notification).where(Notification.pathway_id.in_(pathways)))
    passports = select(Passport.id).where(Passport.beneficiary_id == person_id)
    session.execute(
        update(ReferenceDocument).where(ReferenceDocument.passport_id.in_(passports)).values(content=b"")
    )
    session.execute(update(Experience).where(Experience.passport_id.in_(passports)).values(company="-"))
    session.execute(delete(PortalAccess).where(PortalAccess.beneficiary_id == person_id))
    session.execute(delete(ContactDetails).where(ContactDetails.beneficiary_id == person_id))
    session.execute(delete(ContactConsent).where(ContactConsent.beneficiary_id == person_id))
    session.execute(delete(IdentityCorrection).where(IdentityCorrection.beneficiary_id == person_id))
    session.execute(delete(AccessLog).where(AccessLog.beneficiary_id == person_id))
    session.add(
        Erasure(
            beneficiary_id=person_id, at=clock.now(), account_id=account_id, basis=basis, reason=reason[:300]
        )
    )
    session.flush()


def apply(session: Session, clock: Clock, rules: RetentionRules, dry_run: bool = False) -> RetentionReport:
    """Anonymise the files past their period and purge the access log past its own (the daily job)."""
    now = clock.now()
    people = due_people(session, now, rules)
    old_log = AccessLog.at < rules.access_log_cutoff(now)
    if dry_run:
        count = session.scalar(select(func.count(AccessLog.id)).where(old_log)) or 0
        return RetentionReport(people, count, dry_run=True)
    for person_id in people:
        anonymise(session, clock, person_id, RETENTION, "durée de conservation écoulée")
    purged = session.execute(delete(AccessLog).where(old_log)).rowcount  # type: ignore[attr-defined]
    return RetentionReport(people, purged or 0, dry_run=False)
