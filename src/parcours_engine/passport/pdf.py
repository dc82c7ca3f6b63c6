"""The passport as a PDF the person downloads and prints (reportlab: a wheel, no system library).

French only, like the printed card: the document is the person's, to show an employer. Built from the
same `PassportView` the pages show, so the PDF never says more or less than the screen.

ReportLab's `Paragraph` reads a markup of its own (`<b>`, `<img src=...>`, `<a href=...>`): every
string that comes from a person (names, company names) or from configuration goes through `_text`,
which escapes it, so a name is printed as typed and never read as markup (an unclosed tag would fail
the whole PDF; an image tag would embed a file of the server).

Every table cell is such a paragraph, in a column of fixed width: a long label ("Bénévolat,
volontariat", a company's full name) wraps within its column instead of running over the next one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from parcours_engine.passport.passport import PassportView
from parcours_engine.passport.referential import referential

_CELL = ParagraphStyle("cell", fontName="Helvetica", fontSize=9, leading=11, splitLongWords=True)
_HEADER = ParagraphStyle("header", parent=_CELL, fontName="Helvetica-Bold")
_GRID = TableStyle(
    [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa7b4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def render(passport: PassportView, printed_at: datetime) -> bytes:
    """The PDF bytes of the passport, as of `printed_at`."""
    buffer = BytesIO()
    person = passport.person
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=16 * mm,
        title="Passeport emploi",
        author="parcours-engine",
        invariant=True,  # the same passport gives the same bytes (no random id, no creation time)
    )
    styles = getSampleStyleSheet()
    story: list[Flowable] = [
        Paragraph("Passeport emploi", styles["Title"]),
        _text(
            f"{person.first_name} {person.last_name} — identifiant {person.identifier}", styles["Heading3"]
        ),
        Paragraph(f"Né(e) le {_day(person.birth_date)}", styles["Normal"]),
    ]
    if passport.passport is None:
        story.append(Paragraph("Le passeport n'est pas encore ouvert.", styles["Normal"]))
    else:
        story.append(Paragraph(f"Passeport ouvert le {_day(passport.passport.opened_on)}", styles["Normal"]))
        story += _sections(passport, styles)
    story += [Spacer(1, 6 * mm), Paragraph(f"Édité le {_day(printed_at.date())}", styles["Italic"])]
    doc.build(story)
    return buffer.getvalue()


def _sections(passport: PassportView, styles: Any) -> list[Flowable]:
    ref = referential()
    heading = styles["Heading2"]
    competences = [["Compétence sociale", "Niveau", "Depuis le"]] + [
        [c.label, c.level_label, _day(c.since)] for c in passport.competences
    ]
    experiences = [["Entreprise", "Secteur", "Nature", "Du", "Au"]] + [
        [
            e.company,
            ref.label("sectors", e.sector),
            ref.label("period_kinds", e.kind),
            _day(e.started_on),
            _day(e.ended_on),
        ]
        for e in passport.experiences
    ]
    references = [["Référence", "Datée du"]] + [
        [ref.label("document_kinds", r.kind), _day(r.issued_on)] for r in passport.references
    ]
    story: list[Flowable] = [Paragraph("Compétences sociales attendues par les employeurs", heading)]
    story.append(_table(competences, [95 * mm, 50 * mm, 29 * mm]))
    story.append(Paragraph("Expériences professionnelles", heading))
    if passport.experiences:
        story.append(_table(experiences, [48 * mm, 52 * mm, 30 * mm, 22 * mm, 22 * mm]))
    else:
        story.append(Paragraph("Aucune expérience enregistrée pour l'instant.", styles["Normal"]))
    if passport.references:
        story.append(Paragraph("Références", heading))
        story.append(_table(references, [120 * mm, 54 * mm]))
    return story


def _text(value: str, style: Any) -> Paragraph:
    """A paragraph showing `value` as it is: ReportLab's markup characters escaped."""
    return Paragraph(escape(value), style)


def _table(rows: Sequence[Sequence[object]], widths: list[float]) -> Table:
    """A table of fixed column widths whose text cells wrap (header row in bold)."""
    cells = [[_cell(value, _HEADER if i == 0 else _CELL) for value in row] for i, row in enumerate(rows)]
    table = Table(cells, colWidths=widths, repeatRows=1)
    table.setStyle(_GRID)
    return table


def _cell(value: object, style: ParagraphStyle) -> Flowable:
    """A cell's content: a flowable as it is, anything else as escaped text that wraps in its column."""
    return value if isinstance(value, Flowable) else _text("" if value is None else str(value), style)


def _day(value: date | None) -> str:
    return value.strftime("%d/%m/%Y") if value is not None else ""
