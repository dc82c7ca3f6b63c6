"""The printable convocation letter (PDF), for a person who accepted no reminder channel.

French, like the convocations sent by email: the person's name and postal address (if known), the
date, time, place or mode, the kind and the counsellor. Every string from a person or a form goes
through `escape` before ReportLab's paragraph markup reads it (a name is printed as typed, never as
markup). Reading it is a read of the person's file (READ_APPOINTMENTS), in the access log.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer
from reportlab.platypus.flowables import Flowable
from sqlalchemy.orm import Session

from parcours_engine.appointments import agenda, contacts
from parcours_engine.appointments.wording import kind_name, when, where
from parcours_engine.domain.appointments import to_paris
from parcours_engine.domain.clock import Clock
from parcours_engine.persistence.models import Account
from parcours_engine.printing import build, text


def render(
    session: Session, clock: Clock, account: Account, person_id: int, appointment_id: int, route: str
) -> tuple[bytes, str]:
    """The letter's PDF bytes and file name (NotFound, Forbidden as for the appointment's page)."""
    row = agenda.one(session, clock, account, person_id, appointment_id, route)
    details = contacts.view(session, person_id).details
    appointment, person = row.appointment, row.person
    local = to_paris(appointment.starts_at)
    styles = getSampleStyleSheet()
    name = escape(f"{person.first_name} {person.last_name.upper()}")
    address = [name]
    if details is not None:
        address += [
            escape(part) for part in (details.address_line, details.postal_code, details.city) if part
        ]
    kind = kind_name(appointment)
    story: list[Flowable] = [
        Paragraph("<br/>".join(address), styles["Normal"]),
        Spacer(1, 12 * mm),
        Paragraph("Convocation à un rendez-vous", styles["Title"]),
        Paragraph(f"Bonjour {name},", styles["Normal"]),
        Spacer(1, 4 * mm),
        Paragraph(
            f"Vous avez rendez-vous avec {escape(row.counsellor_name)} le <b>{when(appointment)}</b>"
            f" ({escape(kind)}, {appointment.duration_minutes} minutes).",
            styles["Normal"],
        ),
        text(where(appointment), styles["Normal"]),
        Spacer(1, 4 * mm),
        Paragraph(
            "Si vous ne pouvez pas venir, prévenez votre conseiller dès que possible.", styles["Normal"]
        ),
        Spacer(1, 8 * mm),
        Paragraph(f"Édité le {to_paris(clock.now()):%d/%m/%Y}.", styles["Normal"]),
    ]
    body = build(story, "Convocation", side_margin=20 * mm, top_margin=20 * mm)
    return body, f"convocation_{person.identifier}_{local:%Y%m%d_%H%M}.pdf"
