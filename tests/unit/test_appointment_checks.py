"""A user task asking for an appointment (`appointmentKind`, issue 17): the checker refuses a kind the
agenda does not book, as `file:line: element: message`; the loader reads the kind and the programme's
`appointmentsCountAsPlanned`."""

from __future__ import annotations

from pathlib import Path

from parcours_engine.domain.errors import ModelProblem
from parcours_engine.engine.loader import check_library, load_library, read_library_dir
from tests.unit.test_loader import edit, errors, line_of

LIBRARY = Path(__file__).resolve().parent.parent / "fixtures" / "appointment_library"
FILE = "rdv_simple.bpmn"


def _library() -> tuple[dict[str, bytes], dict[str, bytes]]:
    return read_library_dir(LIBRARY / "processes", LIBRARY / "forms")


def test_an_unknown_appointment_kind_is_refused_with_its_file_line_and_element() -> None:
    bpmn, forms = _library()
    assert errors(bpmn, forms) == []
    broken = edit(
        bpmn, FILE, 'name="appointmentKind" value="diagnostic"', 'name="appointmentKind" value="visite"'
    )
    line = line_of(broken[FILE], 'name="appointmentKind"')
    assert errors(broken, forms) == [
        f"{FILE}:{line}: Task_rdv_simple_rdv: property appointmentKind must name an appointment kind "
        "(premier_accueil, diagnostic, suivi, signature_contrat, commission, atelier_collectif), got 'visite'"
    ]
    (problem,) = [p for p in _checked(broken, forms) if p.severity == "error"]
    assert problem.code == "check.appointment_kind_unknown"  # a catalogue code: the studio says it in French


def test_the_programmes_opt_in_is_true_or_false() -> None:
    bpmn, forms = _library()
    name = "rdv_planifie.bpmn"
    broken = edit(
        bpmn,
        name,
        'name="appointmentsCountAsPlanned" value="true"',
        'name="appointmentsCountAsPlanned" value="oui"',
    )
    line = line_of(broken[name], 'name="appointmentsCountAsPlanned"')
    assert errors(broken, forms) == [
        f"{name}:{line}: rdv_planifie: property appointmentsCountAsPlanned must be true or false"
    ]


def _checked(bpmn: dict[str, bytes], forms: dict[str, bytes]) -> list[ModelProblem]:
    return check_library(bpmn, forms)


def test_the_loader_reads_the_kind_and_the_programmes_opt_in() -> None:
    bpmn, forms = _library()
    programmes = load_library(bpmn, forms).programmes
    assert programmes["rdv_planifie"].appointments_planned is True
    assert programmes["rdv_simple"].appointments_planned is False
    elements = programmes["rdv_simple"].elements
    assert elements["Task_rdv_simple_rdv"].appointment_kind == "diagnostic"
    assert elements["Task_rdv_simple_suite"].appointment_kind is None
