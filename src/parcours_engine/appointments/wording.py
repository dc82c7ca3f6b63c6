"""How an appointment is said to the person, in French, wherever it is printed or sent (the
convocation letter, the convocations and reminders by email and SMS, the counsellor's calendar feed):
the name of its kind, its day and time in Paris, and where it takes place. Plain text: a PDF escapes
it before ReportLab's markup reads it."""

from __future__ import annotations

from parcours_engine.domain.appointments import AppointmentKind, AppointmentMode, to_paris
from parcours_engine.persistence.models.appointments import Appointment

KIND_NAMES = {
    AppointmentKind.PREMIER_ACCUEIL: "Premier accueil",
    AppointmentKind.DIAGNOSTIC: "Diagnostic",
    AppointmentKind.SUIVI: "Suivi",
    AppointmentKind.SIGNATURE_CONTRAT: "Signature du contrat",
    AppointmentKind.COMMISSION: "Commission",
    AppointmentKind.ATELIER_COLLECTIF: "Atelier collectif",
}
WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def kind_name(appointment: Appointment) -> str:
    """ "Premier accueil", "Diagnostic"...: the kind as the person reads it."""
    return KIND_NAMES.get(AppointmentKind(appointment.kind), appointment.kind)


def when(appointment: Appointment) -> str:
    """ "mardi 07/01/2026 à 14:00": the day and time in Paris."""
    local = to_paris(appointment.starts_at)
    return f"{WEEKDAYS[local.weekday()]} {local:%d/%m/%Y} à {local:%H:%M}"


def where(appointment: Appointment) -> str:
    """One sentence: by phone, by video (with its link when known) or at a place."""
    if appointment.mode == AppointmentMode.TELEPHONE:
        return "Par téléphone : votre conseiller vous appellera."
    if appointment.mode == AppointmentMode.VISIO:
        return f"En visio : {appointment.place or 'le lien vous sera donné par votre conseiller'}."
    return f"Lieu : {appointment.place or ''}."
