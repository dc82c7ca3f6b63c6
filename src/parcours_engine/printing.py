"""The PDF building blocks every printed document shares (the passport, the person's data export,
the convocation letter), with ReportLab (a wheel, no system library).

ReportLab's `Paragraph` reads a markup of its own (`<b>`, `<img src=...>`, `<a href=...>`): every
string that comes from a person (names, company names) or from configuration goes through `text`,
which escapes it, so a name is printed as typed and never read as markup (an unclosed tag would fail
the whole PDF; an image tag would embed a file of the server).

Every table cell is such a paragraph, in a column of fixed width: a long label ("Bénévolat,
volontariat", a company's full name) wraps within its column instead of running over the next one.
Documents are A4 and `invariant`: the same content gives the same bytes (no random id, no creation
time).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from io import BytesIO
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

_CELL = ParagraphStyle("cell", fontName="Helvetica", fontSize=9, leading=11, splitLongWords=True)
_HEADER = ParagraphStyle("header", parent=_CELL, fontName="Helvetica-Bold")
_GRID = TableStyle(
    [
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef5")),
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#9aa7b4")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)


def build(
    story: list[Flowable], title: str, side_margin: float = 18 * mm, top_margin: float = 16 * mm
) -> bytes:
    """The PDF bytes of `story` on A4 pages (the bottom margin is the top one)."""
    buffer = BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=side_margin,
        rightMargin=side_margin,
        topMargin=top_margin,
        bottomMargin=top_margin,
        title=title,
        author="parcours-engine",
        invariant=True,  # the same document gives the same bytes (no random id, no creation time)
    )
    doc.build(story)
    return buffer.getvalue()


def text(value: str, style: Any) -> Paragraph:
    """A paragraph showing `value` as it is: ReportLab's markup characters escaped."""
    return Paragraph(escape(value), style)


def table(rows: Sequence[Sequence[object]], widths: list[float]) -> Table:
    """A table of fixed column widths whose text cells wrap (header row in bold)."""
    cells = [[_cell(value, _HEADER if i == 0 else _CELL) for value in row] for i, row in enumerate(rows)]
    grid = Table(cells, colWidths=widths, repeatRows=1)
    grid.setStyle(_GRID)
    return grid


def _cell(value: object, style: ParagraphStyle) -> Flowable:
    """A cell's content: a flowable as it is, anything else as escaped text that wraps in its column."""
    return value if isinstance(value, Flowable) else text("" if value is None else str(value), style)


def day(value: date | None) -> str:
    """A day as French readers write it: 05/01/2026."""
    return value.strftime("%d/%m/%Y") if value is not None else ""


def printed_on(value: date, styles: Any) -> list[Flowable]:
    """The closing line of a document: the day it was printed."""
    return [Spacer(1, 6 * mm), Paragraph(f"Édité le {day(value)}", styles["Italic"])]
