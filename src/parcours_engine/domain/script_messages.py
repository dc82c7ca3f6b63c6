"""What a model's code did wrong, in the modeller's language: refused at the check, or failed in a run.

The checker's and the engine's English words for a script, condition or timer expression come from
three places: the host's own policy (`import is not allowed`), RestrictedPython and Python itself
(`'(' was never closed`, `name 'x' is not defined`, `division by zero`). The engine names each known
kind by a code of this table (`engine.script_messages`); `Said` keeps the code with the English words
it stands for, so that `processes check` and the English screens print exactly what they printed,
while a French screen reads the catalogue's French. Part of the one catalogue (merged into
`check_messages.CHECK_MESSAGES`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

_NO_IMPORT = "les fonctions utiles (dates, âges, durées) sont déjà là sans import"

# code: (French, English)
SCRIPT_MESSAGES: dict[str, tuple[str, str]] = {
    # -- refused by the check (the host's policy) -------------------------------------------------------
    "script.import": ("import n'est pas admis : " + _NO_IMPORT, "import is not allowed"),
    "script.while": (
        "les boucles while ne sont pas admises (écrivez « for ... in range(n) »)",
        "while loops are not allowed (use 'for ... in range(n)')",
    ),
    "script.def": (
        "les définitions de fonction (def) ne sont pas admises",
        "function definitions (def) are not allowed",
    ),
    "script.lambda": ("lambda n'est pas admis", "lambda is not allowed"),
    "script.class": ("les définitions de classe ne sont pas admises", "class definitions are not allowed"),
    "script.try": (
        "try/except n'est pas admis : un script qui échoue met sa tâche en erreur, où on le voit",
        "try/except is not allowed",
    ),
    "script.with": ("with n'est pas admis", "with is not allowed"),
    "script.global": ("global n'est pas admis", "global is not allowed"),
    "script.nonlocal": ("nonlocal n'est pas admis", "nonlocal is not allowed"),
    "script.call_refused": ("%(name)s n'est pas admis", "%(name)s is not allowed"),
    "script.underscore_name": (
        "le nom « %(name)s » n'est pas admis (les noms qui commencent par « _ » sont réservés)",
        "name '%(name)s' is not allowed (names starting with '_' are reserved)",
    ),
    "script.underscore_attribute": (
        "l'attribut « %(name)s » n'est pas admis (il commence par « _ »)",
        "attribute '%(name)s' is not allowed (it starts with '_')",
    ),
    "script.reserved_name": ("le nom « %(name)s » est réservé", "'%(name)s' is a reserved name"),
    "script.augmented_item": (
        "« += » et ses pareils ne s'appliquent pas à un élément ou un attribut : écrivez d['a'] = d['a'] + 1",
        "augmented assignment of items and attributes is not allowed: write d['a'] = d['a'] + 1",
    ),
    "script.not_allowed": (
        "cette construction n'est pas admise dans le code d'un modèle",
        "this construct is not allowed in a model's code",
    ),
    "script.too_deep": (
        "imbrication trop profonde : au-delà de la limite de %(limit)s niveaux",
        "nested too deeply: over the depth budget of %(limit)s levels",
    ),
    "script.cannot_compile": ("le code ne peut pas être compilé", "cannot be compiled"),
    # -- Python's syntax errors -------------------------------------------------------------------------
    "script.syntax": (
        "erreur de syntaxe : le code n'est pas du Python valide à cette ligne",
        "syntax error: not valid Python on this line",
    ),
    "script.syntax_bracket": (
        "erreur de syntaxe : une parenthèse, un crochet ou une accolade n'est pas fermé, ou l'est en trop",
        "syntax error: a bracket is not closed, or closed once too often",
    ),
    "script.syntax_string": (
        "erreur de syntaxe : un texte entre guillemets n'est pas refermé",
        "syntax error: a quoted text is not closed",
    ),
    "script.syntax_indent": (
        "erreur de syntaxe : indentation incorrecte (les lignes d'un même bloc commencent à la même colonne)",
        "syntax error: wrong indentation (the lines of a block start at the same column)",
    ),
    "script.syntax_colon": (
        "erreur de syntaxe : il manque « : » à la fin de la ligne (après if, for, else...)",
        "syntax error: ':' is missing at the end of the line (after if, for, else...)",
    ),
    "script.syntax_assign": (
        "erreur de syntaxe : on ne peut pas affecter une valeur ici (pour comparer, écrivez « == »)",
        "syntax error: cannot assign a value here (to compare, write '==')",
    ),
    # -- timer texts ------------------------------------------------------------------------------------
    "script.timer_empty": ("la valeur est vide", "the value is empty"),
    "script.timer_not_iso": (
        "« %(value)s » n'est pas au format ISO 8601 attendu (par exemple %(example)s)",
        "'%(value)s' is not ISO 8601 as expected (e.g. %(example)s)",
    ),
    # -- failures in a run ------------------------------------------------------------------------------
    "script.division_by_zero": ("division par zéro", "division by zero"),
    "script.undefined_name": (
        "le nom « %(name)s » n'est pas défini : ce n'est ni un champ des formulaires remplis jusque-là, "
        "ni une donnée du parcours, ni une fonction disponible",
        "name '%(name)s' is not defined: it is no field of the forms filled so far, no data of the "
        "pathway and no available function",
    ),
    "script.missing_key": ("la clé « %(key)s » n'existe pas", "the key '%(key)s' does not exist"),
    "script.no_attribute": (
        "« %(name)s » n'existe pas pour cette valeur",
        "'%(name)s' does not exist on this value",
    ),
    "script.index": ("position en dehors de la liste", "index out of the list"),
    "script.wrong_types": (
        "une opération porte sur des valeurs qui ne vont pas ensemble (par exemple un texte et un nombre)",
        "an operation mixes values that do not go together (e.g. a text and a number)",
    ),
    "script.bad_value": (
        "une valeur ne convient pas à l'opération (par exemple un texte qui n'est pas un nombre)",
        "a value does not suit the operation (e.g. a text that is not a number)",
    ),
    "script.sum_numbers": (
        "sum() n'additionne que des nombres (joignez des listes avec une boucle)",
        "sum() adds numbers only (use a loop to join lists)",
    ),
    "script.server_clock": (
        "« %(name)s » lit l'horloge du serveur : utilisez today() ou now()",
        "'%(name)s' reads the server clock: use today() or now()",
    ),
    "script.timer_value": (
        "l'expression du minuteur a donné %(value)s, qui n'est pas au format ISO 8601 attendu",
        "the timer expression gave %(value)s, which is not ISO 8601 as expected",
    ),
    "script.cardinality": (
        "le nombre d'instances calculé (%(value)s) n'est pas un nombre entier",
        "the loop cardinality gave %(value)s, which is not a whole number of instances",
    ),
    "script.failed": ("une erreur inattendue est survenue à cette étape", "an unexpected error at this step"),
    "script.no_outcome": (
        "le programme est arrivé à sa fin sans issue : donnez une valeur à %(key)s avant son événement de fin",
        "the programme reached its end without an outcome: set %(key)s before its end event",
    ),
    "script.no_end": (
        "le parcours s'est arrêté sans atteindre d'événement de fin : une boucle qui n'attend personne ?",
        "the pathway stopped without reaching an end event",
    ),
    # -- a budget gone over (engine/budgets.py) ----------------------------------------------------------
    "script.budget.script_ms": (
        "trop long à calculer : au-delà de %(limit)s ms par évaluation",
        "over the time budget of %(limit)s ms per evaluation",
    ),
    "script.budget.iterations": (
        "trop de tours de boucle : au-delà de %(limit)s tours par évaluation",
        "over the loop budget of %(limit)s turns per evaluation",
    ),
    "script.budget.transition_ms": (
        "l'étape a pris trop de temps : au-delà de %(limit)s ms par transition",
        "over the time budget of %(limit)s ms per transition",
    ),
    "script.budget.sequence_length": (
        "résultat trop grand : au-delà de %(limit)s caractères ou éléments",
        "over the size budget of %(limit)s characters or items",
    ),
    "script.budget.allocated": (
        "le calcul construit trop de données : au-delà de %(limit)s caractères ou éléments par évaluation",
        "over the memory budget of %(limit)s characters or items built per evaluation",
    ),
    "script.budget.int_bits": (
        "nombre trop grand : au-delà de %(limit)s bits",
        "over the size budget of %(limit)s bits per number",
    ),
    "script.budget.depth": (
        "données trop imbriquées : au-delà de %(limit)s niveaux",
        "over the depth budget of %(limit)s levels",
    ),
    "script.budget.data_items": (
        "trop de données à enregistrer : au-delà de %(limit)s valeurs",
        "over the data budget of %(limit)s values",
    ),
    "script.budget.engine_steps": (
        "le parcours tourne en boucle sans attendre personne : au-delà de %(limit)s étapes automatiques",
        "over the budget of %(limit)s automatic steps without waiting for a person or a timer",
    ),
    "script.budget.instances": (
        "trop d'instances : au-delà de %(limit)s par activité multi-instance",
        "over the budget of %(limit)s instances per multi-instance activity",
    ),
    "script.budget.call_depth": (
        "appels trop imbriqués : au-delà de %(limit)s activités d'appel",
        "over the budget of %(limit)s nested call activities",
    ),
    "script.budget.timer_repetitions": (
        "le minuteur se répète trop : au-delà de %(limit)s répétitions",
        "over the budget of %(limit)s repetitions per timer",
    ),
    "script.budget.timer_horizon_days": (
        "le minuteur tombe trop loin : au-delà de %(limit)s jours",
        "over the timer horizon of %(limit)s days",
    ),
    "script.budget.timer_min_period_s": (
        "le minuteur se répète trop souvent : moins de %(limit)s secondes entre deux fois",
        "under the shortest timer period of %(limit)s seconds",
    ),
    # -- the words of the libraries that read a model (lxml, SpiffWorkflow, json, jsonschema, re) -------
    "detail.xml": (
        "une balise, un attribut ou un caractère est mal écrit près de cette ligne",
        "a tag, an attribute or a character is badly written near this line",
    ),
    "detail.xsd": (
        "un élément ou un attribut n'est pas à sa place selon la norme BPMN 2.0",
        "an element or an attribute is out of place under the BPMN 2.0 standard",
    ),
    "detail.spiff": (
        "l'élément n'a pas la forme que le moteur attend",
        "the element has not the shape the engine expects",
    ),
    "detail.regex": (
        "le motif est mal écrit (une parenthèse, un crochet ou un caractère spécial)",
        "the pattern is badly written (a bracket or a special character)",
    ),
    "detail.schema": (
        "le schéma ne respecte pas la norme JSON Schema à cet endroit",
        "the schema does not follow the JSON Schema standard here",
    ),
    "detail.json": ("le texte n'est pas du JSON valide", "the text is not valid JSON"),
    "detail.json_value": (
        "une valeur est attendue (un texte entre guillemets doubles, un nombre, true, false, null, un "
        "objet ou une liste)",
        "a value is expected",
    ),
    "detail.json_comma": ("il manque une virgule", "a comma is missing"),
    "detail.json_colon": (
        "il manque « : » entre un nom et sa valeur",
        "':' is missing between a name and its value",
    ),
    "detail.json_name": (
        "un nom de propriété s'écrit entre guillemets doubles",
        "a property name is written between double quotes",
    ),
    "detail.json_string": (
        "un texte entre guillemets n'est pas refermé, ou contient un caractère interdit",
        "a quoted text is not closed, or holds a character not allowed",
    ),
    "detail.yaml": (
        "l'indentation ou la ponctuation (« : », « - », guillemets) est mal placée près de la ligne %(line)s",
        "indentation or punctuation (':', '-', quotes) out of place near line %(line)s",
    ),
    "detail.yaml_anchors": ("les ancres YAML (&, *) ne sont pas admises", "YAML anchors (&, *)"),
    "detail.json_extra": ("du texte suit la fin de l'objet", "text follows the end of the object"),
    # -- where a run failed (studio simulation) -----------------------------------------------------------
    "script.at_line": ("ligne %(line)s : %(detail)s", "line %(line)s: %(detail)s"),
}


@dataclass(frozen=True)
class Said:
    """A catalogue code with its parameters, and the English words it stands for.

    English readers (and `processes check`) get `english` exactly as the engine wrote it; other
    languages get the catalogue's text. A parameter may itself be `Said` (a detail inside a message).
    """

    code: str
    params: tuple[tuple[str, Any], ...] = ()
    english: str = ""

    @classmethod
    def of(cls, code: str, english: str = "", **params: Any) -> Said:
        return cls(code, tuple(sorted(params.items())), english)

    def text(self, language: str = "fr") -> str:
        if language == "en" and self.english:
            return self.english
        from parcours_engine.domain.messages import render

        return render(self.code, dict(self.params), language)

    def __str__(self) -> str:
        return self.text("en")
