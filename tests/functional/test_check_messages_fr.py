"""Issue 15, point 4: the studio's model check speaks French and names the element by its name (its
id after it, for the coordinator), while `processes check` keeps printing `file:line: element:
message` in English. Each message of the checker is a catalogue code (domain.check_messages)."""

from __future__ import annotations

import json
import re

from parcours_engine.domain.check_messages import CHECK_MESSAGES
from parcours_engine.domain.errors import ModelProblem
from parcours_engine.domain.messages import render
from parcours_engine.engine.field_checks import field_problems
from parcours_engine.engine.loader import check_library
from tests.functional.conftest import World
from tests.functional.test_studio import NEW_FORM, REFERENCE, draft_url, saved_draft, with_new_task

ENGLISH = re.compile(
    r"not reachable|set the property|draw it|user task|has no form|connect it|modeller|is not", re.I
)
ISOLATED = '<bpmn:task id="Task_isolee" name="Étape   isolée"></bpmn:task>\n    <bpmn:endEvent id="End_ref"'


def _problems(
    world: World, xml: str, language: str | None = None, forms: dict[str, str] | None = None
) -> list[dict[str, str]]:
    draft_id, _revision = saved_draft(world, xml, forms)
    client = world.client("coordination")
    if language:
        client.post("/langue", {"lang": language, "next": "/studio"})
    token = client.token()
    response = client.raw.post(draft_url(draft_id, "verifier"), json={}, headers={"X-CSRFToken": token})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["problems"]


def test_a_task_without_a_form_is_said_in_french_naming_the_task(world: World) -> None:
    problems = _problems(world, with_new_task())
    error = next(p for p in problems if p["severity"] == "error")
    assert error["text"].startswith("« Nouvelle étape » (Task_nouveau) : la tâche n'a pas de formulaire")
    assert error["text"].endswith(f"(reference.bpmn:{error['line']})")
    assert not ENGLISH.search(error["text"]) and not ENGLISH.search(error["message"])
    # the command line's line, unchanged
    assert error["cli"] == (
        f"reference.bpmn:{error['line']}: Task_nouveau: user task has no form: set the property "
        "formJsonSchemaFilename to a form file name"
    )


def test_an_unconnected_element_is_said_in_french_with_its_name(world: World) -> None:
    xml = REFERENCE.replace('<bpmn:endEvent id="End_ref"', ISOLATED, 1)
    problems = _problems(world, xml)
    about = [p for p in problems if p["element"] == "Task_isolee"]
    texts = " | ".join(p["text"] for p in about)
    assert "« Étape isolée » (Task_isolee) : n'est atteint depuis aucun événement de début" in texts
    assert "absent du schéma" in texts
    for problem in problems:
        assert problem["code"].startswith("check."), problem
        assert not ENGLISH.search(problem["text"]), problem["text"]


def test_a_forms_problems_are_said_in_french_too(world: World) -> None:
    schema = {
        "type": "object",
        "properties": {"note": {"type": "string"}, "fin": {"type": "string", "x-not-future": True}},
    }
    forms = {NEW_FORM: json.dumps(schema, indent=2)}
    problems = _problems(world, with_new_task(form=NEW_FORM), forms=forms)
    texts: dict[str, list[str]] = {}
    for problem in problems:
        if problem["file"] == NEW_FORM:
            texts.setdefault(problem["element"], []).extend((problem["text"], problem["cli"]))
    note = " | ".join(texts["#/properties/note"])
    assert "un texte libre a besoin d'une longueur maximale" in note
    assert "no narrative about the person |" in note + " |"  # the command line's English, unchanged
    assert "s'écrit" in " ".join(texts["#/properties/fin/x-not-future"])


def test_the_studio_speaks_english_when_english_is_chosen(world: World) -> None:
    problems = _problems(world, with_new_task(), language="en")
    error = next(p for p in problems if p["severity"] == "error")
    assert error["text"].startswith("« Nouvelle étape » (Task_nouveau): user task has no form")


def test_the_command_line_check_prints_the_same_english_lines(world: World) -> None:
    xml = REFERENCE.replace('<bpmn:endEvent id="End_ref"', ISOLATED, 1)
    problems = check_library({"reference.bpmn": xml.encode()}, {})
    lines = [str(p) for p in problems if p.element == "Task_isolee"]
    assert any(
        re.fullmatch(
            r"reference\.bpmn:\d+: Task_isolee: not reachable from a start event: connect it or delete it",
            line,
        )
        for line in lines
    ), lines
    assert all(p.code for p in problems if p.file == "reference.bpmn"), [
        str(p) for p in problems if not p.code
    ]


def test_every_check_message_has_french_and_english_with_the_same_parameters() -> None:
    for code, (french, english) in CHECK_MESSAGES.items():
        assert french != english or code == "check.located", code
        assert sorted(re.findall(r"%\((\w+)\)s", french)) == sorted(re.findall(r"%\((\w+)\)s", english)), code
    problem = ModelProblem.coded("a.bpmn", 3, "Task_x", "check.no_shape", "error", "Un nom")
    assert (
        problem.text("fr")
        == "« Un nom » (Task_x) : absent du schéma : dessinez-le dans le modeleur (a.bpmn:3)"
    )
    assert str(problem) == "a.bpmn:3: Task_x: no shape in the diagram: draw it in the modeller"
    assert render("check.the_file", None, "fr") == "Le fichier"


def test_a_field_name_reused_with_another_meaning_is_said_in_french() -> None:
    schema = {"type": "object", "properties": {"ase": {"type": "string"}, "date_entree": {"type": "string"}}}
    problems = field_problems(["a.schema.json"], frozenset(), {"a.schema.json": json.dumps(schema).encode()})
    texts = {p.element: (p.describe("fr"), str(p)) for p in problems}
    french, cli = texts["#/properties/ase"]
    assert french.startswith(
        "le champ 'ase' est fourni par l'application au début comme un oui/non ; ici c'est un texte"
    )
    assert "field 'ase' is given by the host at start as a yes/no; here it is a text" in cli
    assert "date_entree_mesure" in texts["#/properties/date_entree"][0]
    listed = field_problems(
        ["b.schema.json", "c.schema.json"],
        frozenset({"b.schema.json"}),
        {
            "b.schema.json": json.dumps(
                {"properties": {"x": {"type": "array", "items": {"format": "date"}}}}
            ).encode(),
            "c.schema.json": json.dumps({"properties": {"x": {"type": "integer"}}}).encode(),
        },
    )
    assert [p.describe("fr") for p in listed] == [
        "le champ 'x' est ici un nombre entier mais une liste de dates dans le formulaire partagé b.schema.json, "
        "rempli dans les mêmes parcours : une réponse écraserait l'autre ; renommez le champ ici "
        "(processes/README.md liste les noms de champ des formulaires partagés)"
    ]
    assert "is a whole number here but a list of dates in the shared form b.schema.json" in str(listed[0])


def test_every_checker_message_in_the_code_is_a_catalogue_code() -> None:
    """A check written as an English sentence again (not a code) fails here: the studio could not
    say it in French."""
    import ast
    from pathlib import Path

    from parcours_engine.domain.messages import known

    source = Path(__file__).resolve().parents[2] / "src" / "parcours_engine"
    found = []
    for path in sorted([*(source / "engine").glob("*.py"), *(source / "studio").glob("*.py")]):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", None) or getattr(node.func, "id", None)
            position = {"problem": 1, "coded": 3}.get(str(name))
            if name == "ModelProblem" and path.name != "xml.py":  # xml.py: Document.problem's own
                found.append(f"{path.name}:{node.lineno}: ModelProblem(...) without a code")
            elif position is not None and len(node.args) > position:
                message = node.args[position]
                if isinstance(message, ast.Constant) and not known(str(message.value)):
                    found.append(f"{path.name}:{node.lineno}: {message.value!r}")
    assert found == []
