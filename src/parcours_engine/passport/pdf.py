"""The passport as a PDF the person downloads and prints (reportlab: a wheel, no system library).

French only, like the printed card: the document is the person's, to show an employer. Built from the
same `PassportView` the pages show, so the PDF never says more or less than the screen.

Every string that comes from a person (names, company names) or from configuration is printed through
`printing.text` (ReportLab's markup escaped), and every table through `printing.table` (fixed column
widths, cells that wrap): see `parcours_engine.printing`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph
from reportlab.platypus.flowables import Flowable

from parcours_engine.passport.passport import PassportView
from parcours_engine.passport.referential import referential
from parcours_engine.printing import build, day, printed_on, table, text


def render(passport: PassportView, printed_at: datetime) -> bytes:
    """The PDF bytes of the passport, as of `printed_at`."""
    person = passport.person
    styles = getSampleStyleSheet()
    story: list[Flowable] = [
        Paragraph("Passeport emploi", styles["Title"]),
        text(f"{person.first_name} {person.last_name} — identifiant {person.identifier}", styles["Heading3"]),
        Paragraph(f"Né(e) le {day(person.birth_date)}", styles["Normal"]),
    ]
    if passport.passport is None:
        story.append(Paragraph("Le passeport n'est pas encore ouvert.", styles["Normal"]))
    else:
        story.append(Paragraph(f"Passeport ouvert le {day(passport.passport.opened_on)}", styles["Normal"]))
        story += _sections(passport, styles)
    story += printed_on(printed_at.date(), styles)
    return build(story, "Passeport emploi")


def _sections(passport: PassportView, styles: Any) -> list[Flowable]:
    ref = referential()
    heading = styles["Heading2"]
    competences = [["Compétence sociale", "Niveau", "Depuis le"]] + [
        [c.label, c.level_label, day(c.since)] for c in passport.competences
    ]
    experiences = [["Entreprise", "Secteur", "Nature", "Du", "Au"]] + [
        [
            e.company,
            ref.label("sectors", e.sector),
            ref.label("period_kinds", e.kind),
            day(e.started_on),
            day(e.ended_on),
        ]
        for e in passport.experiences
    ]
    references = [["Référence", "Datée du"]] + [
        [ref.label("document_kinds", r.kind), day(r.issued_on)] for r in passport.references
    ]
    story: list[Flowable] = [Paragraph("Compétences sociales attendues par les employeurs", heading)]
    story.append(table(competences, [95 * mm, 50 * mm, 29 * mm]))
    story.append(Paragraph("Expériences professionnelles", heading))
    if passport.experiences:
        story.append(table(experiences, [48 * mm, 52 * mm, 30 * mm, 22 * mm, 22 * mm]))
    else:
        story.append(Paragraph("Aucune expérience enregistrée pour l'instant.", styles["Normal"]))
    if passport.references:
        story.append(Paragraph("Références", heading))
        story.append(table(references, [120 * mm, 54 * mm]))
    return story
