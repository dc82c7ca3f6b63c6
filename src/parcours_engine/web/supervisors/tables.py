"""The dashboard's tables, built once for the page and for the CSV exports (same rows in both).

Each table has a key (the `table` of `?format=csv&table=...`), a translated title and headers, and
rows of plain values. CSV files carry a BOM so that Excel reads the accents, and `;` as separator
(what French Excel expects).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from flask import Response
from flask_babel import get_locale
from flask_babel import gettext as _

from parcours_engine.domain.errors import FieldError, InvalidInput
from parcours_engine.domain.outcomes import BY_CODE
from parcours_engine.web.supervisors.figures import ProgrammeFigures

Cell = str | int | float | None


# Caseloads shown on the page per programme, the largest first (the overloaded counsellors a
# supervisor looks for); the CSV export has every referent. A département's RSA service may have
# hundreds of referents: thousands of rows would make the page slow to build and useless to read.
CASELOADS_ON_PAGE = 15


@dataclass(frozen=True)
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    # The rows the page shows when it shows fewer than the CSV (None: all of them), and what they are.
    page_rows: list[list[Cell]] | None = None
    page_note: str = ""

    @property
    def on_page(self) -> list[list[Cell]]:
        return self.rows if self.page_rows is None else self.page_rows


def outcome_label(code: str) -> str:
    found = BY_CODE.get(code)
    if found is None:
        return code
    return found.label_fr if str(get_locale()) == "fr" else found.label_en


def percent(part: int, whole: int | None) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def dashboard_tables(found: list[ProgrammeFigures]) -> list[Table]:
    return [_summary(found), _exits(found), _breakdowns(found), _caseloads(found), _passport(found)]


def _summary(found: list[ProgrammeFigures]) -> Table:
    headers = [
        _("Programme"),
        _("Personnes présentes"),
        _("Entrées"),
        _("Objectif d'entrées"),
        _("Réalisation de l'objectif (%)"),
        _("Sorties"),
        _("Sorties positives"),
        _("Sorties positives (%)"),
        _("Emploi durable"),
        _("Emploi durable (%)"),
        _("Attente médiane entre mesures (jours)"),
        _("Attente entre mesures, 9e décile (jours)"),
    ]
    rows: list[list[Cell]] = []
    for item in found:
        f, spread = item.figures, item.figures.idle_between_measures
        rows.append(
            [
                item.name,
                f.present.people,
                f.entries.people,
                f.objective,
                percent(f.entries.people, f.objective),
                f.exits,
                f.positive_exits,
                percent(f.positive_exits, f.exits),
                f.durable_employment_exits,
                percent(f.durable_employment_exits, f.exits),
                spread.median_days,
                spread.p90_days,
            ]
        )
    return Table("summary", _("Vue d'ensemble"), headers, rows)


def _exits(found: list[ProgrammeFigures]) -> Table:
    rows: list[list[Cell]] = [
        [item.name, outcome_label(code), count]
        for item in found
        for code, count in sorted(item.figures.exits_by_outcome.items(), key=lambda pair: -pair[1])
    ]
    return Table("exits", _("Sorties par issue"), [_("Programme"), _("Issue"), _("Sorties")], rows)


def _breakdowns(found: list[ProgrammeFigures]) -> Table:
    headers = [
        _("Programme"),
        _("Population"),
        _("Personnes"),
        _("Femmes"),
        _("Hommes"),
        _("Infra-bac"),
        _("Quartier prioritaire"),
        _("Renforcé"),
    ]
    rows: list[list[Cell]] = []
    for item in found:
        for label, b in ((_("Présentes"), item.figures.present), (_("Entrées"), item.figures.entries)):
            rows.append(
                [
                    item.name,
                    label,
                    b.people,
                    b.women,
                    b.men,
                    b.below_baccalaureat,
                    b.priority_district,
                    b.renforce,
                ]
            )
    return Table("breakdowns", _("Répartitions"), headers, rows)


def _caseloads(found: list[ProgrammeFigures]) -> Table:
    rows: list[list[Cell]] = []
    page_rows: list[list[Cell]] = []
    for item in found:
        mine = [
            [item.name, name or _("Sans référent"), count]
            for _referent, name, count in item.figures.caseloads
        ]
        rows += mine
        page_rows += mine[:CASELOADS_ON_PAGE]  # caseloads come the largest first
    headers = [_("Programme"), _("Référent"), _("Parcours actifs")]
    if len(page_rows) == len(rows):
        return Table("caseloads", _("File active par référent"), headers, rows)
    note = _(
        "Les %(shown)s plus grandes files actives de chaque programme : l'export CSV contient tous les "
        "référents.",
        shown=CASELOADS_ON_PAGE,
    )
    return Table("caseloads", _("File active par référent"), headers, rows, page_rows, note)


def _passport(found: list[ProgrammeFigures]) -> Table:
    headers = [
        _("Programme"),
        _("Personnes"),
        _("Personnes avec passeport"),
        _("Périodes en entreprise"),
        _("Situations d'emploi"),
        _("Partenaires"),
        _("Progressions de compétences"),
    ]
    rows: list[list[Cell]] = []
    for item in found:
        p = item.passport
        competences = p["competences"]
        progressed = sum(c["progressed"] for c in competences["by_competence"])
        rows.append(
            [
                item.name,
                p["people"],
                competences["people_with_passport"],
                p["company_periods"]["total"],
                p["employment_situations"]["total"],
                p["partners"]["total"],
                progressed,
            ]
        )
    return Table("passport", _("Passeport emploi"), headers, rows)


def pick(tables: Iterable[Table], key: str | None) -> Table:
    for table in tables:
        if table.key == key:
            return table
    raise InvalidInput(field_errors={"table": [FieldError("field.choice")]})


def csv_response(table: Table, stem: str) -> Response:
    """The table as a CSV download Excel opens with its accents (UTF-8 with BOM)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(table.headers)
    for row in table.rows:
        writer.writerow(["" if cell is None else _cell(cell) for cell in row])
    body = "\ufeff" + out.getvalue()
    response = Response(body, content_type="text/csv; charset=utf-8")
    name = f"{stem}-{FILE_NAMES.get(table.key, table.key)}.csv"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# The downloaded files' names, in French (ASCII: every browser and spreadsheet keeps them as they are).
FILE_NAMES = {
    "summary": "synthese",
    "exits": "sorties",
    "breakdowns": "repartitions",
    "caseloads": "files-actives",
    "passport": "passeport-emploi",
    "stalled": "bloques",
}


# A text cell starting with one of these is a formula to a spreadsheet (`=HYPERLINK(...)` in a name).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _cell(value: Any) -> str:
    # French Excel reads "12,5" as a number and "12.5" as text.
    if isinstance(value, float):
        return f"{value:g}".replace(".", ",") if str(get_locale()) == "fr" else f"{value:g}"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value  # read as text, shown as typed (OWASP's advice for CSV injection)
    return str(value)
