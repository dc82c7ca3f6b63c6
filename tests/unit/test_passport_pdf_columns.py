"""The passport PDF's columns never overlap (issue 15, point 10): "Bénévolat, volontariat" ran over the date
column, being a plain string in a 30 mm column. Each table is laid out by ReportLab as in the real PDF,
then every cell's text is measured: laid out in its column's width minus the cells' padding, its
widest line must end inside its own cell (ReportLab lets a line eat a point or two of the right padding:
that stays clear of the next column).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table

from parcours_engine import printing
from parcours_engine.passport import pdf
from parcours_engine.passport.passport import CompetenceView, PassportView
from parcours_engine.passport.referential import referential
from parcours_engine.persistence.models import Beneficiary
from parcours_engine.persistence.models.passport import Experience, Passport

LONG_COMPANY = (
    "Association intercommunale d'aide à domicile et de services à la personne du bassin de Montluçon "
    "(AIADSP-BassinMontluçonCommentryNérisLesBainsDomérat)"
)


def _view() -> PassportView:
    person = Beneficiary(first_name="Léonie", last_name="Essai", identifier="PE-TEST-0001")
    person.birth_date = date(1990, 5, 17)
    opened = Passport(opened_on=date(2026, 1, 5))
    kinds = [kind.code for kind in referential().period_kinds]
    sectors = [sector.code for sector in referential().sectors]
    experiences = tuple(
        Experience(
            company=LONG_COMPANY if i % 2 == 0 else "Boulangerie Santucci",
            sector=sectors[(i * 5 + 6) % len(sectors)],  # G: the longest label among others
            kind=kind,
            started_on=date(2025, 1, 2),
            ended_on=date(2025, 12, 31),
        )
        for i, kind in enumerate(kinds)
    )
    competences = (
        CompetenceView(
            "ponctualite",
            "Respecter les horaires et prévenir en cas d'absence ou de retard",
            "en_cours",
            "En cours d'acquisition",
            date(2026, 1, 5),
            (),
        ),
    )
    return PassportView(person, opened, competences, experiences, ())


@pytest.fixture
def tables(monkeypatch: pytest.MonkeyPatch) -> list[Table]:
    """The tables of a rendered passport, as ReportLab laid them out on the page."""
    built: list[Table] = []

    class Recording(SimpleDocTemplate):
        def build(self, flowables: list[Any], *args: Any, **kwargs: Any) -> None:
            built.extend(f for f in flowables if isinstance(f, Table))
            super().build(flowables, *args, **kwargs)

    monkeypatch.setattr(printing, "SimpleDocTemplate", Recording)  # where every document is built
    data = pdf.render(_view(), datetime(2026, 1, 6, 10, tzinfo=UTC))
    assert data.startswith(b"%PDF-")
    return built


def _text_width(cell: Any, room: float) -> float:
    """The width the cell's text takes on the page once laid out in `room` points."""
    if isinstance(cell, Paragraph):
        cell.wrap(room, 10_000)
        return max(cell.getActualLineWidths0() or [0.0])
    if isinstance(cell, list | tuple):
        return max((_text_width(part, room) for part in cell), default=0.0)
    return stringWidth(str(cell), "Helvetica", 9)  # a plain string is drawn on one line, unwrapped


def test_every_cell_fits_its_column(tables: list[Table]) -> None:
    assert len(tables) == 2  # competences, experiences
    overflowing = []
    for table in tables:
        left, right = 6, 6  # ReportLab's default cell padding
        for row in table._cellvalues:
            for column, cell in enumerate(row):
                room = table._colWidths[column] - left - right
                width = _text_width(cell, room)
                if left + width > table._colWidths[column]:
                    overflowing.append((column, round(width), round(room), str(cell)[:60]))
    assert overflowing == []


def test_the_period_kind_wraps_within_its_column(tables: list[Table]) -> None:
    experiences = tables[1]
    kinds = [row[2][0] if isinstance(row[2], list | tuple) else row[2] for row in experiences._cellvalues[1:]]
    assert all(isinstance(cell, Paragraph) for cell in kinds)
    benevolat = next(cell for cell in kinds if "Bénévolat" in cell.getPlainText())
    benevolat.wrap(experiences._colWidths[2] - 12, 10_000)
    assert len(benevolat.blPara.lines) >= 2  # "Bénévolat, volontariat" on two lines in its 30 mm
