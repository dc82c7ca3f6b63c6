"""Issue 15, point 4 (its last part): a script refused by the studio's check, or failing in its
simulation, is said in French to a coordinator who chose French, naming the element by its name,
while `processes check` keeps printing `file:line: element: message` in RestrictedPython's and
Python's English. Each kind of refusal and failure is a catalogue code (domain.script_messages)."""

from __future__ import annotations

import re

import pytest

from parcours_engine.domain.script_messages import SCRIPT_MESSAGES
from parcours_engine.engine.loader import check_library
from tests.functional.conftest import World
from tests.functional.test_studio import NEW_FORM, REFERENCE, draft_url, save, start_draft, with_new_task

SCRIPT = "echeance = iso(add_months(today(), 1))\nratio = 10 / diviseur"
WHO = "« Calculer l'échéance » (Script_calcul)"
# Words of RestrictedPython's, Python's and the engine's English that must not reach a French screen.
ENGLISH = re.compile(
    r"not allowed|is not defined|never closed|invalid syntax|unexpected indent|division by zero|"
    r"Error\b|expected|augmented|the timer|ISO 8601 (duration|date)",
    re.I,
)


def _with_script(script: str) -> str:
    assert SCRIPT in REFERENCE
    return REFERENCE.replace(SCRIPT, script, 1)


def _checked(
    world: World, xml: str, language: str = "fr", forms: dict[str, str] | None = None
) -> list[dict[str, str]]:
    """The problems the studio lists for `xml`: saving a draft refuses unsafe code with them (422)."""
    client = world.client("coordination")
    client.post("/langue", {"lang": language, "next": "/studio"})
    draft_id = start_draft(world)
    body = {"revision": 1, "xml": xml, "forms": forms or {}}
    response = client.raw.post(
        draft_url(draft_id, "enregistrer"), json=body, headers={"X-CSRFToken": client.token()}
    )
    if response.status_code == 200:
        response = client.raw.post(
            draft_url(draft_id, "verifier"), json={}, headers={"X-CSRFToken": client.token()}
        )
    assert response.status_code in (200, 422), response.get_data(as_text=True)
    return response.get_json()["problems"]


@pytest.mark.parametrize(
    ("script", "french", "cli"),
    [
        (
            "import os\n" + SCRIPT,
            "script : import n'est pas admis",
            "reference.bpmn:12: Script_calcul: script: import is not allowed",
        ),
        (
            "echeance = (1 +\n" + SCRIPT,
            "script : erreur de syntaxe : une parenthèse, un crochet ou une accolade n'est pas fermé",
            "reference.bpmn:12: Script_calcul: script: '(' was never closed",
        ),
        (
            "if diviseur\n    ratio = 1",
            "script : erreur de syntaxe : il manque « : » à la fin de la ligne",
            "reference.bpmn:12: Script_calcul: script: expected ':'",
        ),
        (
            "echeance = 1\n  ratio = 2",
            "script : erreur de syntaxe : indentation incorrecte",
            "reference.bpmn:13: Script_calcul: script: unexpected indent",
        ),
        (
            "while diviseur:\n    ratio = 1",
            "script : les boucles while ne sont pas admises",
            "reference.bpmn:12: Script_calcul: script: while loops are not allowed",
        ),
        (
            "_cache = 1",
            "script : le nom « _cache » n'est pas admis",
            "reference.bpmn:12: Script_calcul: script: name '_cache' is not allowed",
        ),
        (
            "d = {}\nd['a'] += 1",
            "script : « += » et ses pareils ne s'appliquent pas à un élément",
            "reference.bpmn:13: Script_calcul: script: Augmented assignment of object items",
        ),
    ],
)
def test_a_refused_script_is_said_in_french_naming_the_task(world: World, script: str, french: str, cli: str):
    (problem,) = [p for p in _checked(world, _with_script(script)) if p["element"] == "Script_calcul"]
    assert problem["text"].startswith(f"{WHO} : {french}"), problem["text"]
    assert problem["text"].endswith(f"(reference.bpmn:{problem['line']})")
    assert not ENGLISH.search(problem["text"]), problem["text"]
    assert problem["cli"].startswith(cli), problem["cli"]  # the command line's English, unchanged


def test_a_refused_script_is_said_in_english_when_english_is_chosen(world: World):
    (problem,) = _checked(world, _with_script("import os\n" + SCRIPT), language="en")
    assert problem["element"] == "Script_calcul"
    assert problem["text"] == f"{WHO}: script: import is not allowed (reference.bpmn:12)"


def test_a_timer_that_is_not_iso_8601_is_said_in_french(world: World):
    xml = REFERENCE.replace(">P7D<", ">P7X<", 1)
    assert xml != REFERENCE
    (problem,) = [p for p in _checked(world, xml) if "P7X" in p["cli"]]
    assert (
        "durée du minuteur : « P7X » n'est pas au format ISO 8601 attendu (par exemple P18M"
        in problem["text"]
    )
    assert not ENGLISH.search(problem["text"]), problem["text"]
    assert problem["cli"].endswith("timeDuration: 'P7X' is not an ISO 8601 duration")


def _simulated(world: World, script: str, answers: str, language: str = "fr") -> dict[str, str]:
    draft_id = start_draft(world)
    assert save(world, draft_id, _with_script(script)).status_code == 200
    client = world.client("coordination")
    client.post("/langue", {"lang": language, "next": "/studio"})
    response = client.raw.post(
        draft_url(draft_id, "simuler"),
        json={"scenario": f"answers:\n  Diagnostic: {answers}\n"},
        headers={"X-CSRFToken": client.token()},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    (incident,) = response.get_json()["simulation"]["incidents"]
    assert incident["element"] == "Script_calcul"
    return incident


def test_a_division_by_zero_in_a_simulation_is_said_in_french_at_its_line(world: World):
    incident = _simulated(world, SCRIPT, "{besoin_formation: false, diviseur: 0}")
    assert incident["message"] == f"Le modèle a échoué à {WHO} : ligne 2 : division par zéro"


def test_an_undefined_name_in_a_simulation_is_said_in_french(world: World):
    script = SCRIPT.replace("10 / diviseur", "10 / nombre_enfants")
    incident = _simulated(world, script, "{besoin_formation: false, diviseur: 1}")
    assert incident["message"].startswith(
        f"Le modèle a échoué à {WHO} : ligne 2 : le nom « nombre_enfants » n'est pas défini : ce n'est "
        "ni un champ des formulaires remplis jusque-là"
    )
    assert not ENGLISH.search(incident["message"]), incident["message"]


def test_a_failure_in_a_simulation_keeps_pythons_english_when_english_is_chosen(world: World):
    incident = _simulated(world, SCRIPT, "{besoin_formation: false, diviseur: 0}", language="en")
    assert incident["message"].startswith(f"The model failed at {WHO}: ZeroDivisionError: division by zero")


def test_the_command_line_check_is_unchanged() -> None:
    problems = check_library({"reference.bpmn": _with_script("import os\n" + SCRIPT).encode()}, {})
    assert [str(p) for p in problems if p.element == "Script_calcul"] == [
        "reference.bpmn:12: Script_calcul: script: import is not allowed"
    ]


def test_every_script_message_has_french_and_english_with_the_same_parameters() -> None:
    for code, (french, english) in SCRIPT_MESSAGES.items():
        assert french != english, code
        assert sorted(re.findall(r"%\((\w+)\)s", french)) == sorted(re.findall(r"%\((\w+)\)s", english)), code


LIBRARY_WORDS = re.compile(
    r"Opening and ending tag|Expecting|missing\)|unterminated|is not valid under", re.I
)


def test_malformed_xml_is_said_in_french(world: World):
    (problem,) = _checked(world, REFERENCE.replace("</bpmn:process>", "</bpmn:proces>", 1))
    assert problem["text"].startswith(
        "Le fichier : XML mal formé : une balise, un attribut ou un caractère est mal écrit près de cette ligne"
    ), problem["text"]
    assert not LIBRARY_WORDS.search(problem["text"])
    assert "Opening and ending tag mismatch" in problem["cli"]  # lxml's English for the command line


@pytest.mark.parametrize(
    ("schema", "french", "english"),
    [
        (
            '{"type": "object", "properties": {"a": 1,}}',
            "un nom de propriété s'écrit entre guillemets",
            "Expecting",
        ),
        ('{"type": "object" "properties": {}}', "il manque une virgule", "Expecting ',' delimiter"),
        (
            '{"type": "object", "properties": {"c": {"type": "string", "maxLength": 9, "pattern": "(a"}}}',
            "JSON Schema non valide : le schéma ne respecte pas la norme JSON Schema à cet endroit",
            "is not a 'regex'",
        ),
    ],
)
def test_a_form_that_json_or_re_refuses_is_said_in_french(
    world: World, schema: str, french: str, english: str
):
    problems = _checked(world, with_new_task(form=NEW_FORM), forms={NEW_FORM: schema})
    (problem,) = [p for p in problems if p["file"] == NEW_FORM]
    assert french in problem["text"], problem["text"]
    assert not LIBRARY_WORDS.search(problem["text"]), problem["text"]
    assert english in problem["cli"]


@pytest.mark.parametrize(
    ("scenario", "french", "english"),
    [
        ("answers:\n  Diagnostic: {diviseur: 1\n  x: [", "mal placée près de la ligne", "flow mapping"),
        ("a: &x [1]\nb: *x\n", "les ancres YAML (&, *) ne sont pas admises", "YAML anchors (&, *)"),
    ],
)
def test_a_pasted_scenario_that_yaml_refuses_is_said_in_french(
    world: World, scenario: str, french: str, english: str
):
    draft_id = start_draft(world)
    for language in ("fr", "en"):
        client = world.client("coordination")
        client.post("/langue", {"lang": language, "next": "/studio"})
        response = client.raw.post(
            draft_url(draft_id, "simuler"),
            json={"scenario": scenario},
            headers={"X-CSRFToken": client.token()},
        )
        assert response.status_code == 400, response.get_data(as_text=True)
        message = response.get_json()["message"]
        if language == "fr":
            assert french in message and english not in message, message
        else:
            assert english in message, message


def test_the_runtimes_own_failures_are_said_in_french_and_an_unknown_one_claims_nothing() -> None:
    from parcours_engine.engine import script_messages
    from parcours_engine.engine.runtime import EngineFailure

    ended = EngineFailure(
        "the programme reached its end without an outcome: set 'issue' before its end event", "End_ref"
    )
    said, line = script_messages.failure(ended)
    assert line is None and said.text("en") == str(ended)
    assert said.text("fr") == (
        "le programme est arrivé à sa fin sans issue : donnez une valeur à issue avant son événement de fin"
    )
    unknown, _line = script_messages.failure(EngineFailure("something new", None))
    assert unknown.text("fr") == "une erreur inattendue est survenue à cette étape"
    assert unknown.text("en") == "something new"
