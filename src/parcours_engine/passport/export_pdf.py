"""Everything held about a person (RGPD Art. 15) as a PDF, for a person who wants it on paper.

The content is the JSON document of `portal_export`, section by section, so the PDF never says more
or less than the JSON. Every value goes through `printing.text` (ReportLab's markup
escaped): a name such as `<b>x</b><img src=x>` is printed as typed, never read as markup.
French only, like the passport's PDF.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer
from reportlab.platypus.flowables import Flowable

from parcours_engine.printing import build, printed_on, table, text

_SECTIONS = (
    ("identity_corrections", "Corrections d'identité"),
    ("referents", "Référents successifs"),
    ("consents", "Consentements au partage"),
    ("portal_access", "Accès au portail"),
    ("contact_details", "Coordonnées"),
    ("contact_consents", "Rappels acceptés"),
    ("appointments", "Rendez-vous"),
    ("appointment_follow_ups", "Relances après une absence"),
    ("access_log", "Accès à votre dossier"),
)
_PATHWAY_LISTS = (("events", "Événements"), ("tasks", "Tâches"))
_PASSPORT_LISTS = (
    ("competences", "Compétences"),
    ("experiences", "Expériences"),
    ("references", "Références"),
)
_WIDTHS = [55 * mm, 119 * mm]


def render(document: Mapping[str, Any], printed_at: datetime) -> bytes:
    """The PDF bytes of an export document (`portal_export.export`)."""
    styles = getSampleStyleSheet()
    person = document["person"]
    story: list[Flowable] = [
        Paragraph("Vos données personnelles", styles["Title"]),
        text(f"{person.get('first_name', '')} {person.get('last_name', '')}", styles["Heading3"]),
        Paragraph("Identité", styles["Heading2"]),
        _fields(person, styles),
    ]
    for index, pathway in enumerate(document.get("pathways", []), start=1):
        story.append(text(f"Parcours {index} : {pathway.get('programme_name', '')}", styles["Heading2"]))
        scalars = {k: v for k, v in pathway.items() if not isinstance(v, list | dict)}
        story.append(_fields(scalars, styles))
        if pathway.get("data"):
            story += [
                Paragraph("Réponses enregistrées", styles["Heading3"]),
                _fields(pathway["data"], styles),
            ]
        for key, title in _PATHWAY_LISTS:
            story += _list(pathway.get(key, []), title, styles)
    passport = document.get("passport")
    if passport:
        story.append(Paragraph("Passeport emploi", styles["Heading2"]))
        story.append(_fields({k: v for k, v in passport.items() if not isinstance(v, list)}, styles))
        for key, title in _PASSPORT_LISTS:
            story += _list(passport.get(key, []), title, styles)
    for key, title in _SECTIONS:
        story += _list(document.get(key, []), title, styles, heading="Heading2")
    story += printed_on(printed_at.date(), styles)
    return build(story, "Données personnelles")


def _fields(values: Mapping[str, Any], styles: Any) -> Flowable:
    """A two-column table: each field and its value, both escaped."""
    body = styles["BodyText"]
    rows = [["Champ", "Valeur"]] + [[text(str(k), body), text(_value(v), body)] for k, v in values.items()]
    return table(rows, _WIDTHS)


def _list(
    rows: Sequence[Mapping[str, Any]], title: str, styles: Any, heading: str = "Heading3"
) -> list[Flowable]:
    if not rows:
        return []
    story: list[Flowable] = [Paragraph(title, styles[heading])]
    for row in rows:
        story += [_fields(row, styles), Spacer(1, 2 * mm)]
    return story


def _value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, dict):
        return ", ".join(f"{k} : {_value(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    return str(value)
