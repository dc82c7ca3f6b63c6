"""The model checker's messages (engine checks, loader, XML), French first, English beside it.

The English text is what `processes check` prints (`file:line: element: message`, unchanged for
scripts and habits); the studio shows the French one, naming the element by its name
(`ModelProblem.text`). Part of the one catalogue (`domain.messages` merges this table), so the same
test renders every code in both languages with the same parameters.
"""

from __future__ import annotations

from parcours_engine.domain.script_messages import SCRIPT_MESSAGES

_GUIDE = "dans le modeleur"

# code: (French, English)
CHECK_MESSAGES: dict[str, tuple[str, str]] = {
    # -- how the studio says a problem ------------------------------------------------------------------
    "check.located": ("%(who)s : %(what)s (%(where)s)", "%(who)s: %(what)s (%(where)s)"),
    "check.the_file": ("Le fichier", "The file"),
    # -- the file itself --------------------------------------------------------------------------------
    "check.dtd": ("DOCTYPE et entités ne sont pas admis", "DOCTYPE and entities are not allowed"),
    "check.malformed": ("XML mal formé : %(detail)s", "malformed XML: %(detail)s"),
    "check.empty_file": ("XML mal formé : le fichier est vide", "malformed XML: the file is empty"),
    "check.encoding_declared": (
        "le fichier est déclaré en %(encoding)s : enregistrez-le en UTF-8",
        "the file is declared %(encoding)s: save it as UTF-8",
    ),
    "check.not_utf8": (
        "le fichier n'est pas en UTF-8 : enregistrez-le en UTF-8",
        "the file is not UTF-8: save it as UTF-8",
    ),
    "check.not_bpmn": (
        "ce n'est pas un fichier BPMN 2.0 : son élément racine est %(tag)s",
        "not a BPMN 2.0 file: the root element is %(tag)s",
    ),
    "check.xsd": ("BPMN non valide : %(detail)s", "not valid BPMN: %(detail)s"),
    "check.unreadable": ("illisible : %(detail)s", "could not be read: %(detail)s"),
    "check.unloadable": ("n'a pas pu être chargé : %(detail)s", "could not be loaded: %(detail)s"),
    "check.must_be_utf8": ("le fichier doit être encodé en UTF-8", "the file must be encoded in UTF-8"),
    "check.too_large": ("le fichier dépasse 2 Mo", "the file is larger than 2 MB"),
    "check.no_diagram": (
        "le fichier n'a pas de schéma : ouvrez-le et enregistrez-le " + _GUIDE + ", ou calculez-en un "
        "avec processes/tools/bpmn_layout.py FICHIER",
        "the file has no diagram: open and save it in the modeller, or compute one with "
        "processes/tools/bpmn_layout.py FILE",
    ),
    # -- processes and programmes -----------------------------------------------------------------------
    "check.no_programme": (
        "aucun programme n'a cet identifiant de processus",
        "no programme has this process id",
    ),
    "check.draft_process_missing": (
        "le brouillon n'a pas de processus d'identifiant %(process)s : gardez l'identifiant du programme",
        "no process with the id %(process)s in the draft: keep the programme's process id",
    ),
    "check.process_id_duplicate": (
        "l'identifiant de processus %(process)s est aussi utilisé dans %(file)s : renommez l'un des deux",
        "process id %(process)s is also used in %(file)s: rename one of them",
    ),
    "check.no_executable": (
        "aucun processus exécutable : un fichier à la racine contient des programmes (les blocs vont "
        "dans blocs/)",
        "no executable process: a top-level file holds programmes (blocks go in blocs/)",
    ),
    "check.not_executable": (
        "le processus n'est pas exécutable : cochez « exécutable » " + _GUIDE,
        "process is not executable: mark it executable in the modeller",
    ),
    "check.idle_threshold_missing": (
        "il manque la propriété idleThresholdDays : indiquez après combien de jours sans activité un "
        "parcours est considéré sans mesure",
        "property idleThresholdDays is missing: add after how many days without activity a pathway "
        "counts as idle",
    ),
    "check.idle_threshold_invalid": (
        "la propriété idleThresholdDays doit être un nombre entier de jours, 1 ou plus (valeur : %(value)s)",
        "property idleThresholdDays must be a whole number of days, 1 or more, got %(value)s",
    ),
    "check.id_shared": (
        "identifiant aussi utilisé dans %(file)s, que %(programme)s exécute aussi : les identifiants "
        "doivent être uniques dans un programme et ses blocs",
        "id also used in %(file)s, which %(programme)s also runs: ids must be unique across a programme "
        "and its blocks",
    ),
    "check.reserved_id": (
        "l'identifiant %(id)s est réservé au moteur (ses propres étapes de début et de fin) : "
        "renommez-le, par exemple %(suggestion)s",
        "the id %(id)s is reserved by the engine (its own start and end steps): rename it, e.g. "
        "%(suggestion)s",
    ),
    # -- the flow ---------------------------------------------------------------------------------------
    "check.unreachable": (
        "n'est atteint depuis aucun événement de début : reliez-le au reste du parcours ou supprimez-le",
        "not reachable from a start event: connect it or delete it",
    ),
    "check.no_start_event": (
        "pas d'événement de début : ajoutez-en un",
        "no start event: add one",
    ),
    "check.flow_without_condition": (
        "un flux qui sort de la passerelle n'a pas de condition et n'est pas le flux par défaut : "
        "ajoutez une condition ou faites-en le flux par défaut de la passerelle",
        "flow out of a gateway has no condition and is not the default: add a condition or make it the "
        "gateway's default flow",
    ),
    "check.several_flows": (
        "plusieurs flux partent de cette tâche : ajoutez une passerelle pour choisir entre eux",
        "several flows leave this task: add a gateway to choose between them",
    ),
    "check.unsupported_type": (
        "ce type d'élément n'est pas pris en charge",
        "this element type is not supported",
    ),
    "check.spiff_unreadable": (
        "le moteur n'a pas pu le lire : %(detail)s",
        "SpiffWorkflow could not read it: %(detail)s",
    ),
    "check.chain_too_long": (
        "trop d'étapes à la suite pour que le moteur les lise (environ 480 au plus) : découpez la "
        "chaîne en blocs (activités d'appel) ou en sous-processus",
        "too many steps one after another for the engine to read (about 480 at most): split the chain "
        "into blocks (call activities) or sub-processes",
    ),
    "check.data_store": (
        "le stock de données %(store)s n'est pas pris en charge : gardez les données dans celles de la tâche",
        "data store %(store)s is not supported: keep the data in the task data",
    ),
    "check.gateway_dead_end": (
        "aucun flux ne sort de la passerelle : reliez-la à l'étape suivante",
        "gateway has no outgoing flow: connect it to the next step",
    ),
    "check.script_empty": (
        "la tâche de script n'a pas de script : écrivez-en un ou utilisez une tâche simple",
        "script task has no script: write one or use a plain task",
    ),
    "check.endless_loop": (
        "boucle sans étape d'attente (%(names)s) : elle tournerait sans fin ; placez-y une tâche "
        "utilisateur, un minuteur ou une activité d'appel",
        "loop with no wait state (%(names)s): it would run without end; put a user task, a timer or a "
        "call activity in it",
    ),
    "check.too_many_instances": (
        "multi-instance de %(count)s instances : au-delà de la limite de %(limit)s instances par activité",
        "multi-instance of %(count)s instances: over the budget of %(limit)s instances per "
        "multi-instance activity",
    ),
    "check.too_many_turns": (
        "boucle de %(count)s tours au plus : au-delà de la limite de %(limit)s instances par activité",
        "loop of up to %(count)s turns: over the budget of %(limit)s instances per multi-instance activity",
    ),
    # -- calls ------------------------------------------------------------------------------------------
    "check.call_without_process": (
        "l'activité d'appel n'appelle aucun processus : choisissez le processus appelé",
        "call activity names no process: set its called element",
    ),
    "check.called_process_unknown": (
        "le processus appelé %(process)s n'est pas dans la bibliothèque : vérifiez l'identifiant ou "
        "ajoutez son fichier",
        "called process %(process)s is not in the library: check the id or add its file",
    ),
    "check.calls_itself": (
        "s'appelle lui-même : un processus ne peut pas s'appeler, le parcours ne finirait jamais",
        "calls itself: a process cannot call itself, the pathway would never end",
    ),
    "check.calls_back": (
        "appelle %(called)s, qui rappelle %(process)s : un processus ne peut pas s'appeler, le parcours "
        "ne finirait jamais",
        "calls %(called)s, which calls %(process)s back: a process cannot call itself, the pathway would "
        "never end",
    ),
    "check.calls_too_deep": (
        "appels imbriqués sur %(depth)s niveaux : au-delà de la limite de %(limit)s activités d'appel "
        "imbriquées",
        "calls nested %(depth)s deep: over the budget of %(limit)s nested call activities",
    ),
    # -- tasks, lanes, properties, forms ----------------------------------------------------------------
    "check.no_form": (
        "la tâche n'a pas de formulaire : choisissez-en un dans ses propriétés (formJsonSchemaFilename)",
        "user task has no form: set the property formJsonSchemaFilename to a form file name",
    ),
    "check.form_not_found": (
        "le formulaire %(file)s est introuvable : ajoutez-le aux formulaires",
        "form file %(file)s not found: add it to the forms",
    ),
    "check.unknown_lane": (
        "le couloir %(lane)s n'est pas un rôle connu : nommez-le %(roles)s (un organisme extérieur, "
        "comme France Travail ou un organisme de formation, travaille dans le couloir Partenaire)",
        "lane %(lane)s is not a known role: name it one of %(roles)s (an outside organisation, such as "
        "France Travail or a training body, works in the Partenaire lane)",
    ),
    "check.task_without_lane": (
        "la tâche n'est dans aucun couloir : placez-la dans celui du rôle qui la fait",
        "user task is in no lane: put it in the lane of the role doing it",
    ),
    "check.measure_boolean": (
        "la propriété measure vaut true ou false",
        "property measure must be true or false",
    ),
    "check.appointments_planned_boolean": (
        "la propriété appointmentsCountAsPlanned vaut true ou false",
        "property appointmentsCountAsPlanned must be true or false",
    ),
    "check.appointment_kind_unknown": (
        "la propriété appointmentKind doit nommer un type de rendez-vous (%(kinds)s), pas %(value)s",
        "property appointmentKind must name an appointment kind (%(kinds)s), got %(value)s",
    ),
    "check.days_invalid": (
        "la propriété %(property)s doit être un nombre entier de jours, %(minimum)s ou plus "
        "(valeur : %(value)s)",
        "property %(property)s must be a whole number of days, %(minimum)s or more, got %(value)s",
    ),
    "check.timer_empty": (
        "le minuteur n'a ni date, ni durée, ni cycle",
        "timer has no date, duration or cycle",
    ),
    "check.no_shape": (
        "absent du schéma : dessinez-le " + _GUIDE,
        "no shape in the diagram: draw it in the modeller",
    ),
    "check.no_edge": (
        "flux absent du schéma : dessinez-le " + _GUIDE,
        "no edge in the diagram: draw it in the modeller",
    ),
    # a script, condition or timer expression refused; the detail is the checker's own words
    "check.code.script": ("script : %(detail)s", "script: %(detail)s"),
    "check.code.preScript": ("pré-script : %(detail)s", "pre-script: %(detail)s"),
    "check.code.postScript": ("post-script : %(detail)s", "post-script: %(detail)s"),
    "check.code.timeDate": ("date du minuteur : %(detail)s", "timeDate: %(detail)s"),
    "check.code.timeDuration": ("durée du minuteur : %(detail)s", "timeDuration: %(detail)s"),
    "check.code.timeCycle": ("cycle du minuteur : %(detail)s", "timeCycle: %(detail)s"),
    "check.code.condition": ("condition : %(detail)s", "condition: %(detail)s"),
    # form files
    "check.invalid_json_at": (
        "JSON non valide : %(detail)s (colonne %(column)s)",
        "invalid JSON: %(detail)s (column %(column)s)",
    ),
    "check.invalid_json": ("JSON non valide : %(detail)s", "invalid JSON: %(detail)s"),
    "check.form_not_object": (
        "un fichier de formulaire doit contenir un objet JSON",
        "a form file must hold a JSON object",
    ),
    "check.invalid_schema": ("JSON Schema non valide : %(detail)s", "invalid JSON Schema: %(detail)s"),
    "check.schema_not_object": (
        'un formulaire doit avoir "type": "object"',
        'a form schema must have "type": "object"',
    ),
    "check.regex_invalid": (
        "expression régulière non valide : %(detail)s",
        "invalid regular expression: %(detail)s",
    ),
    "check.regex_nested": (
        "le motif %(pattern)s répète une répétition (comme ^(a+)+$) : une réponse pourrait occuper le "
        "serveur pendant des heures ; écrivez la répétition une seule fois (^a+$)",
        "the pattern %(pattern)s repeats a repetition (as in ^(a+)+$): an answer could make the server "
        "check it for hours; write the repetition once (^a+$)",
    ),
    "check.outside_reference": (
        "la référence %(reference)s sort du formulaire : seules les références internes (#/...) sont admises",
        "reference %(reference)s outside the form: only references inside it (#/...) are allowed",
    ),
    "check.free_text_bound": (
        "un texte libre a besoin d'une longueur maximale (maxLength) de %(limit)s caractères au plus (ou "
        "faites-en une liste fermée, une date ou un code) : aucun récit sur la personne",
        "free text needs a maxLength of at most %(limit)s characters (or make it a closed list, a date or "
        "a code): no narrative about the person",
    ),
    "check.free_text_warning": (
        "un texte libre a besoin de l'avertissement légal dans %(key)s, affiché à côté du champ (la "
        "personne peut le lire : rien sur la santé, les opinions, la vie privée ou familiale, aucun "
        "jugement)",
        "free text needs the legal warning in %(key)s, shown next to the field (the person may read it: "
        "nothing on health, opinions, private or family life, no judgement)",
    ),
    "check.not_future_misused": (
        'x-not-future s\'écrit "x-not-future": true, sur un champ date ("format": "date")',
        'x-not-future is written "x-not-future": true, on a date field ("format": "date")',
    ),
    "check.not_before_misused": (
        "x-not-before nomme un autre champ date du même objet (son début) : %(other)s n'en est pas un",
        "x-not-before names another date field of the same object (its start): %(other)s is none",
    ),
    # a form field's name reused with another meaning (engine.field_checks)
    "check.field_reserved.date_entree": (
        "le champ %(field)s est la date d'entrée du programme, posée par le script « Ouvrir le parcours » "
        "de chaque programme : une réponse l'écraserait ; renommez le champ (la date d'entrée d'une "
        "mesure est date_entree_mesure)",
        "field %(field)s is the programme's entry date, set by the script « Ouvrir le parcours » of every "
        "programme: a form answer would overwrite it; rename the field (a measure's entry date is "
        "date_entree_mesure)",
    ),
    "check.field_reserved.programme_code": (
        "le champ %(field)s est le code du programme, posé par l'application au début : renommez le champ",
        "field %(field)s is the programme's code, set by the host at start: rename the field",
    ),
    "check.field_host": (
        "le champ %(field)s est fourni par l'application au début comme %(host_kind)s ; ici c'est "
        "%(here_kind)s : demandez-le comme %(host_kind)s ou renommez le champ",
        "field %(field)s is given by the host at start as %(host_kind)s; here it is %(here_kind)s: ask "
        "it as %(host_kind)s or rename the field",
    ),
    "check.field_reused": (
        "le champ %(field)s est ici %(here_kind)s mais %(other_kind)s dans %(whose)s, rempli dans les "
        "mêmes parcours : une réponse écraserait l'autre ; renommez le champ ici (processes/README.md "
        "liste les noms de champ des formulaires partagés)",
        "field %(field)s is %(here_kind)s here but %(other_kind)s in %(whose)s, filled in the same "
        "pathways: one answer would overwrite the other; rename the field here (processes/README.md lists "
        "the field names the shared forms own)",
    ),
    "check.field_reused_shared": (
        "le champ %(field)s est ici %(here_kind)s mais %(other_kind)s dans le formulaire partagé "
        "%(whose)s, rempli dans les mêmes parcours : une réponse écraserait l'autre ; renommez le champ "
        "ici (processes/README.md liste les noms de champ des formulaires partagés)",
        "field %(field)s is %(here_kind)s here but %(other_kind)s in the shared form %(whose)s, filled in "
        "the same pathways: one answer would overwrite the other; rename the field here "
        "(processes/README.md lists the field names the shared forms own)",
    ),
    "check.typename_reserved": (
        "le nom de champ typename est réservé au moteur : renommez-le",
        "the field name typename is reserved by the engine: rename it",
    ),
    # what a script, condition or timer expression did wrong (the `detail` of check.code.*)
    **SCRIPT_MESSAGES,
}


# What a form field holds, as a check names it: a parameter named `*_kind` holds one of these keys
# (`list:KEY` for a list of them), said in the reader's language by `kind_text`.
KINDS: dict[str, tuple[str, str, str, str]] = {
    # key: (French, English, French plural, English plural)
    "string": ("un texte", "a text", "textes", "texts"),
    "integer": ("un nombre entier", "a whole number", "nombres entiers", "whole numbers"),
    "number": ("un nombre", "a number", "nombres", "numbers"),
    "boolean": ("un oui/non", "a yes/no", "oui/non", "yes/nos"),
    "array": ("une liste", "a list", "listes", "lists"),
    "object": ("un groupe de champs", "a group of fields", "groupes de champs", "groups of fields"),
    "date": ("une date", "a date", "dates", "dates"),
    "date-time": ("une date et heure", "a date and time", "dates et heures", "date and times"),
}


def kind_text(key: str, language: str) -> str:
    """A field's kind (`KINDS`, `list:KEY`, or a JSON type outside the table) in `language`."""
    english = language == "en"
    if key.startswith("list:"):
        inner = KINDS.get(key[5:])
        items = (inner[3] if english else inner[2]) if inner else key[5:]
        return f"a list of {items}" if english else f"une liste de {items}"
    found = KINDS.get(key)
    if found is None:
        return f"of type {key}" if english else f"de type {key}"
    return found[1] if english else found[0]
