"""The one catalogue of error and field-error codes, French first, English beside it.

Pages, the API (`code`, `message`, `field_errors`) and the CLI all render a code through `render`, so
a message is written once and reads the same everywhere. Parameters are named (`%(limit)s`); a code
the catalogue does not know reads as itself (a bug to fix, never a crash): a test renders every code
in both languages and checks that each names the same parameters in both.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from parcours_engine.domain.check_messages import CHECK_MESSAGES
from parcours_engine.domain.script_messages import Said

LANGUAGES = ("fr", "en")

# code: (French, English)
MESSAGES: dict[str, tuple[str, str]] = {
    # -- generic ------------------------------------------------------------------------------------
    "error.failed": ("L'opération n'a pas pu aboutir.", "The operation could not be completed."),
    "error.not_found": ("Cette page n'existe pas.", "This page does not exist."),
    "error.forbidden": ("Vous n'avez pas accès à ce dossier.", "You do not have access to this file."),
    "error.conflict": (
        "Quelqu'un d'autre a modifié ce dossier en même temps ; rechargez la page et recommencez.",
        "Someone else changed this at the same time; reload and try again.",
    ),
    "error.invalid_input": (
        "Certaines informations ne sont pas valides.",
        "Some of the information is not valid.",
    ),
    "error.unavailable": (
        "La base de données ne peut pas enregistrer pour l'instant ; réessayez dans un moment.",
        "The database cannot save right now; try again in a moment.",
    ),
    "error.internal": (
        "Une erreur inattendue est survenue ; elle a été enregistrée.",
        "An unexpected error occurred; it was logged.",
    ),
    "error.csrf": (
        "Le formulaire a expiré : rechargez la page et recommencez.",
        "The form expired: reload the page and try again.",
    ),
    "error.bad_request": ("La demande n'est pas valide.", "The request is not valid."),
    "error.unauthorized": (
        "Connectez-vous pour continuer (jeton d'API manquant ou invalide).",
        "Sign in to continue (missing or invalid API token).",
    ),
    "error.method_not_allowed": (
        "Cette action n'est pas possible ici.",
        "This action is not possible here.",
    ),
    "error.too_large": ("La demande est trop volumineuse.", "The request is too large."),
    "error.json_body": (
        "Le corps de la demande doit être un objet JSON.",
        "The request body must be a JSON object.",
    ),
    # -- races ---------------------------------------------------------------------------------------
    "pathway.changed_meanwhile": (
        "Quelqu'un d'autre a modifié ce parcours en même temps ; rechargez la page et recommencez.",
        "Someone else changed this pathway at the same time; reload and try again.",
    ),
    "draft.saved_meanwhile": (
        "Quelqu'un d'autre a enregistré ce brouillon en même temps ; rechargez-le.",
        "Someone else saved this draft at the same time; reload it.",
    ),
    "admin.changed_meanwhile": (
        "Un autre administrateur a modifié les comptes en même temps ; rechargez la page et recommencez.",
        "Another admin changed the accounts at the same time; reload and try again.",
    ),
    # -- tasks ---------------------------------------------------------------------------------------
    "task.takes_no_data": (
        "Cette tâche n'a pas de formulaire et ne prend aucune donnée.",
        "This task has no form and takes no data.",
    ),
    "task.form_missing": (
        "Le formulaire %(form)s ne fait pas partie de cette version du programme.",
        "Form %(form)s is not part of this programme version.",
    ),
    "task.form_unusable": (
        "Le formulaire %(form)s du modèle est inutilisable ; un incident a été enregistré pour la "
        "coordination (%(detail)s).",
        "The model's form %(form)s cannot be used; an incident was recorded for the coordinators "
        "(%(detail)s).",
    ),
    # -- models and transitions ----------------------------------------------------------------------
    "pathway.transition_failed": (
        "Le modèle du programme a échoué à cette étape ; rien n'a été enregistré et un incident a été "
        "signalé à la coordination (%(detail)s).",
        "The programme's model failed at this step; nothing was saved and an incident was reported "
        "to the coordinators (%(detail)s).",
    ),
    "pathway.transition_failed_page": (
        "Le modèle du programme a échoué à cette étape : rien n'a été enregistré. L'incident n° "
        "%(incident)s a été signalé à la coordination ; vous pourrez refaire cette étape une fois le "
        "modèle corrigé.",
        "The programme's model failed at this step: nothing was saved. Incident %(incident)s was "
        "reported to the coordinators; you can do this step again once the model is fixed.",
    ),
    "model.invalid": (
        "Le modèle ne peut pas être publié :\n%(problems)s",
        "The model cannot be published:\n%(problems)s",
    ),
    "model.script_failed": (
        "Un script du modèle a échoué : %(detail)s",
        "A script of the model failed: %(detail)s",
    ),
    # -- access: who may see and change what (access, domain.permissions) -----------------
    "access.not_for_your_role": (
        "Votre fonction ne permet pas cette action.",
        "Your role does not allow this action.",
    ),
    "access.route_not_declared": (
        "Cette page n'est ouverte à personne pour l'instant.",
        "This page is open to nobody yet (it has no entry in the permission table).",
    ),
    "access.not_your_caseload": (
        "Ce dossier ne fait pas partie de ceux que vous suivez.",
        "This file is not one you follow.",
    ),
    "access.no_structure": (
        "Votre compte n'est rattaché à aucune structure : demandez-le à l'administrateur.",
        "Your account belongs to no structure: ask your administrator.",
    ),
    "access.own_structure_only": (
        "Vous consultez les chiffres de votre structure uniquement.",
        "You read your own structure's figures only.",
    ),
    "access.passport_needs_consent": (
        "La personne n'a pas donné son accord pour partager son passeport avec votre structure.",
        "The person has not agreed to share their passport with your structure.",
    ),
    "pathway.not_found": ("Ce parcours n'existe pas.", "This pathway does not exist."),
    "person.not_found": ("Cette personne n'existe pas.", "This person does not exist."),
    "person.duplicate": (
        "Une personne de même nom et de même date de naissance est déjà inscrite : ouvrez son dossier, "
        "ou confirmez qu'il s'agit d'une autre personne.",
        "A person with the same name and birth date is already registered: open their file, or "
        "confirm that this is someone else.",
    ),
    "erasure.pathway_open": (
        "Cette personne a encore %(count)s parcours en cours : son dossier sert à la suivre et ne peut pas "
        "être anonymisé. Demandez à son référent d'enregistrer la sortie de chaque parcours, puis revenez.",
        "This person still has %(count)s open pathway(s): the file is needed to follow them and cannot be "
        "anonymised. Ask their referent to record the exit of each pathway, then come back.",
    ),
    "erasure.reason": (
        "Choisissez le motif de l'anonymisation dans la liste.",
        "Choose the reason for the anonymisation from the list.",
    ),
    "task.not_found": ("Cette tâche n'existe pas.", "This task does not exist."),
    "task.not_yours": (
        "Cette tâche n'est ni la vôtre ni celle de votre équipe.",
        "This task is neither yours nor your team's.",
    ),
    "task.already_done": (
        "Cette tâche a déjà été faite par %(by)s.",
        "This task was already completed by %(by)s.",
    ),
    "task.done_automatically": (
        "Cette tâche a déjà été faite automatiquement.",
        "This task was already completed automatically.",
    ),
    "task.by_appointment": (
        "Cette tâche se termine quand la présence à son rendez-vous est enregistrée (Venu).",
        "This task completes when the attendance at its appointment is recorded (came).",
    ),
    "task.closed": (
        "Cette tâche n'est plus à faire : le parcours a avancé sans elle.",
        "This task is no longer to do: the pathway moved on without it.",
    ),
    "task.already_taken": (
        "Quelqu'un d'autre a déjà pris cette tâche.",
        "Someone else already took this task.",
    ),
    "task.not_taken": (
        "Vous n'avez pas pris cette tâche : il n'y a rien à rendre.",
        "You have not taken this task: there is nothing to give back.",
    ),
    "task.stays_with_referent": (
        "Une tâche du référent reste au référent du parcours ; changez plutôt de référent.",
        "A referent's task stays with the pathway's referent; transfer the referent instead.",
    ),
    "referent.not_eligible": (
        "Choisissez un conseiller en activité de la structure du parcours.",
        "Choose an active counsellor of the pathway's structure.",
    ),
    "referent.already": ("C'est déjà le référent de ce parcours.", "Already the referent of this pathway."),
    "referent.kind": ("Choisissez un transfert définitif ou temporaire.", "Choose permanent or temporary."),
    "referent.needs_end": (
        "Un transfert temporaire a besoin d'une date de fin, aujourd'hui ou plus tard.",
        "A temporary transfer needs an end date, today or later.",
    ),
    "referent.cannot_change": ("Le référent n'a pas pu être changé.", "The referent could not be changed."),
    "pathway.ended": ("Ce parcours est terminé.", "This pathway has ended."),
    "pathway.already_ended": (
        "Ce parcours est déjà terminé (%(status)s).",
        "This pathway already ended (%(status)s).",
    ),
    "exit.not_ended": (
        "Ce parcours n'est pas terminé par une sortie : il n'y a pas d'issue à corriger.",
        "This pathway has not ended with an exit: there is no outcome to correct.",
    ),
    "exit.correction_unchanged": (
        "Choisissez une autre issue ou une autre date que celles enregistrées.",
        "Choose another outcome or another date than the recorded ones.",
    ),
    "start.followed_elsewhere": (
        "Cette personne est suivie par un autre référent : demandez-lui de vous transférer son parcours.",
        "This person is followed by another referent: ask them to transfer the pathway to you.",
    ),
    "start.reception_first_only": (
        "L'accueil ouvre le premier parcours d'une personne ; la suite revient à son référent.",
        "Reception starts a person's first pathway only; the rest is for their referent.",
    ),
    "start.other_structure": (
        "Cette personne n'est pas inscrite dans votre structure.",
        "This person is not registered in your structure.",
    ),
    "consent.in_force": ("Cet accord est déjà en vigueur.", "This consent is already in force."),
    "consent.withdrawn": ("Cet accord a déjà été retiré.", "This consent was already withdrawn."),
    "consent.not_found": ("Cet accord n'existe pas.", "This consent does not exist."),
    "search.criterion_required": (
        "Indiquez au moins un critère : nom, date de naissance ou identifiant.",
        "Give at least one criterion: name, birth date or identifier.",
    ),
    # -- versions of a programme and migrating pathways (studio.versions, .pathway_migration) -----
    "programme.not_published": (
        "Le programme %(programme)s n'a aucune version publiée.",
        "There is no published version of programme %(programme)s.",
    ),
    "version.not_found": (
        "La version %(number)s du programme %(programme)s n'existe pas.",
        "Version %(number)s of programme %(programme)s does not exist.",
    ),
    "version.unknown": ("Cette version de programme n'existe pas.", "This programme version does not exist."),
    "version.other_programme": (
        "Les deux versions doivent appartenir au même programme.",
        "Both versions must belong to the same programme.",
    ),
    "migration.not_allowed": (
        "Seuls les coordinateurs et les administrateurs peuvent migrer des parcours.",
        "Only coordinators and admins may migrate pathways.",
    ),
    "migration.other_programme": (
        "Le parcours n° %(pathway)s n'appartient pas au programme %(programme)s.",
        "Pathway %(pathway)s is not in programme %(programme)s.",
    ),
    "migration.pathway_ended": ("Le parcours n° %(pathway)s est terminé.", "Pathway %(pathway)s has ended."),
    "migration.already_on_version": (
        "Le parcours n° %(pathway)s est déjà sur la version %(version)s.",
        "Pathway %(pathway)s is already on version %(version)s.",
    ),
    # -- accounts and the admin area (accounts.accounts, .administration, web.admin) ----------------
    "admin.only": (
        "Seuls les administrateurs gèrent les comptes et les structures.",
        "Only admins manage accounts and structures.",
    ),
    "account.not_found": ("Ce compte n'existe pas.", "This account does not exist."),
    "account.unknown_username": (
        "Aucun compte n'a l'identifiant « %(username)s ».",
        "No account has the username '%(username)s'.",
    ),
    "structure.not_found": ("Cette structure n'existe pas.", "This structure does not exist."),
    "structure.unknown_code": ("Aucune structure n'a ce code.", "No structure has this code."),
    "admin.structure_required_for_role": (
        "Obligatoire pour ce rôle (seul un administrateur peut n'en avoir aucune).",
        "Required for this role (only an admin may have none).",
    ),
    "admin.cannot_deactivate_self": (
        "Vous ne pouvez pas désactiver votre propre compte.",
        "You cannot deactivate your own account.",
    ),
    "admin.cannot_reset_own_factor": (
        "Votre propre second facteur se désactive depuis votre page « Mon compte », avec un code.",
        "Your own second factor is disabled from your account page, with a code.",
    ),
    "admin.last_active_admin": (
        "C'est le dernier administrateur actif : nommez d'abord un autre administrateur.",
        "This is the last active administrator: appoint another administrator first.",
    ),
    "signin.locked": (
        "Trop d'essais infructueux. Réessayez dans 15 minutes.",
        "Too many failed attempts. Try again in 15 minutes.",
    ),
    "token.locked": (
        "Trop de jetons d'API erronés depuis cette adresse : réessayez dans 15 minutes.",
        "Too many wrong API tokens from this address: try again in 15 minutes.",
    ),
    "token.not_found": ("Ce jeton d'API n'existe pas.", "This API token does not exist."),
    "token.second_factor_required": (
        "Ce compte administrateur doit d'abord activer son second facteur (page « Mon compte ») : "
        "ses jetons d'API sont refusés jusque-là.",
        "This administrator account must enrol its second factor first (its account page): its API "
        "tokens are refused until then.",
    ),
    "token.not_yours": (
        "Seuls son titulaire et les administrateurs voient et révoquent un jeton d'API.",
        "Only its owner and admins see and revoke an API token.",
    ),
    # -- the studio: drafts of a model (studio.studio, web.studio) -------------------------------
    "studio.editors_only": (
        "Seuls les coordinateurs et les administrateurs modifient et publient les modèles.",
        "Only coordinators and admins edit and publish models.",
    ),
    "studio.bpmn_name": (
        "Le nom de fichier « %(name)s » ne convient pas : des lettres, chiffres, « _ », « - » ou « . », "
        "terminé par .bpmn.",
        "The file name '%(name)s' is not valid: letters, digits, '_', '-' or '.', ending in .bpmn.",
    ),
    "studio.form_name": (
        "Le nom de formulaire « %(name)s » ne convient pas : des lettres, chiffres, « _ », « - » ou « . », "
        "terminé par .json.",
        "The form name '%(name)s' is not valid: letters, digits, '_', '-' or '.', ending in .json.",
    ),
    "draft.not_found": (
        "Ce brouillon n'existe plus : il a peut-être été publié ou abandonné.",
        "This draft no longer exists: it may have been published or discarded.",
    ),
    "draft.file_not_found": (
        "Ce fichier ne fait pas partie du brouillon.",
        "This file is not part of the draft.",
    ),
    "draft.revision_required": (
        "La page n'a pas indiqué quelle version du brouillon elle avait chargée : rechargez-la.",
        "The page did not say which revision of the draft it loaded: reload it.",
    ),
    "draft.xml_required": (
        "L'enregistrement ne contenait pas le modèle : rechargez la page et recommencez.",
        "The save did not carry the model: reload the page and try again.",
    ),
    "draft.forms_invalid": (
        "Les formulaires envoyés ne sont pas lisibles : chaque nom de fichier doit avoir le texte de son "
        "schéma JSON.",
        "The forms sent cannot be read: each file name must come with its JSON Schema text.",
    ),
    # -- simulating a model (studio.simulation, studio.scenarios; the CLI and the studio's panel) --
    "simulation.programme_unknown": (
        "« %(name)s » n'est ni un fichier ou un dossier de modèles, ni un programme publié.",
        "'%(name)s' is neither a model file or folder nor a published programme.",
    ),
    "simulation.programme_unnamed": (
        "Quel programme simuler ? Le scénario ne le dit pas (« programme ») et le modèle en compte "
        "plusieurs : %(programmes)s.",
        'Which programme? The scenario does not say ("programme") and the model holds several: '
        "%(programmes)s.",
    ),
    "simulation.programme_not_in_model": (
        "Le scénario %(name)s est celui du programme %(programme)s, absent de ce modèle.",
        "Scenario %(name)s is for programme %(programme)s, which this model does not hold.",
    ),
    "simulation.scenario_unknown": (
        "Le scénario %(name)s n'est pas l'un de ceux que le serveur conserve pour ce programme.",
        "Scenario %(name)s is not one the server keeps for this programme.",
    ),
    "simulation.scenario_unreadable": (
        "Le scénario %(name)s n'est pas un JSON ou un YAML lisible : %(detail)s",
        "Scenario %(name)s is not readable JSON or YAML: %(detail)s",
    ),
    "simulation.scenario_too_large": (
        "Le scénario %(name)s dépasse %(limit)s Ko.",
        "Scenario %(name)s is larger than %(limit)s KB.",
    ),
    "simulation.scenario_shape": (
        "Le scénario %(name)s : « %(key)s » n'a pas la forme attendue (processes/README.md, « Scenarios »).",
        "Scenario %(name)s: '%(key)s' does not have the expected shape (processes/README.md, \"Scenarios\").",
    ),
    "simulation.scenario_unknown_key": (
        "Le scénario %(name)s : clé « %(key)s » inconnue (clés possibles : %(expected)s).",
        "Scenario %(name)s: unknown key '%(key)s' (possible keys: %(expected)s).",
    ),
    "simulation.scenario_person_field": (
        "Le scénario %(name)s : « %(key)s » n'est pas une donnée que l'application fournit au démarrage "
        "(%(expected)s).",
        "Scenario %(name)s: '%(key)s' is not data the application provides at start (%(expected)s).",
    ),
    "simulation.engine_failure": ("Le modèle a échoué : %(detail)s", "The model failed: %(detail)s"),
    "simulation.element_failed": (
        "Le modèle a échoué à %(who)s : %(detail)s",
        "The model failed at %(who)s: %(detail)s",
    ),
    "simulation.answers_refused": (
        "Les réponses du scénario pour « %(task)s » ne conviennent pas au formulaire %(form)s "
        "(champs : %(fields)s).",
        "The scenario's answers for '%(task)s' do not fit form %(form)s (fields: %(fields)s).",
    ),
    "simulation.answers_not_drawn": (
        "Aucune réponse valide n'a pu être tirée du formulaire %(form)s de « %(task)s » (champs : "
        "%(fields)s) : donnez-les dans un scénario.",
        "No valid answers could be drawn from form %(form)s of '%(task)s' (fields: %(fields)s): give "
        "them in a scenario.",
    ),
    "simulation.form_unusable": (
        "Le formulaire %(form)s est inutilisable : %(detail)s",
        "Form %(form)s cannot be used: %(detail)s",
    ),
    "simulation.stopped_stuck": (
        "Le parcours attend sans tâche à remplir ni minuteur à venir.",
        "The pathway waits with no task to fill and no timer to come.",
    ),
    "simulation.stopped_horizon": (
        "Le prochain minuteur tombe plus de dix ans après le début : simulation arrêtée.",
        "The next timer is due more than ten years after the start: simulation stopped.",
    ),
    "simulation.stopped_too_long": (
        "Plus de 1 000 étapes sans atteindre une fin : simulation arrêtée (une boucle ?).",
        "More than 1,000 steps without reaching an end: simulation stopped (a loop?).",
    ),
    "simulation.stopped_time": (
        "La simulation a dépassé son temps de calcul avant d'atteindre une fin (une boucle ?).",
        "The simulation ran out of computing time before reaching an end (a loop?).",
    ),
    "simulation.stopped_at_start": (
        "Le parcours n'a pas pu démarrer.",
        "The pathway could not start.",
    ),
    "simulation.expected_end": (
        "Fin attendue : le parcours attend encore à %(waiting)s.",
        "An end was expected: the pathway still waits at %(waiting)s.",
    ),
    "simulation.expected_outcome": (
        "Issue attendue %(expected)s, obtenue %(got)s.",
        "Outcome %(expected)s expected, got %(got)s.",
    ),
    "simulation.expected_incidents": (
        "%(expected)s incident(s) attendu(s), %(got)s survenu(s).",
        "%(expected)s incident(s) expected, %(got)s happened.",
    ),
    "simulation.expected_step": (
        "Étape « %(step)s » attendue dans le chemin (dans cet ordre), absente.",
        "Step '%(step)s' expected in the path (in that order), missing.",
    ),
    "migration.choose_pathway": (
        "Cochez au moins un parcours à migrer.",
        "Tick at least one pathway to migrate.",
    ),
    # -- supervision: figures, objectives, the stalled list (web.supervisors, supervision.indicators) --
    "supervision.period_invalid": (
        "La période demandée n'est pas valide : vérifiez ses dates de début et de fin.",
        "The period asked for is not valid: check its start and end dates.",
    ),
    "programme.unknown": ("Aucun programme publié n'a ce code.", "No published programme has this code."),
    "programme.none_published": ("Aucun programme n'est publié.", "No programme is published."),
    # -- incidents and timers (pathways.incidents, .timers) ----------------------------------------
    "incident.not_found": ("Cet incident n'existe pas.", "This incident does not exist."),
    "incident.already_resolved": (
        "Cet incident a déjà été résolu par %(by)s.",
        "This incident was already resolved by %(by)s.",
    ),
    "incident.cannot_retry": (
        "Cette opération (%(operation)s) ne peut pas être relancée : signalez-la à l'équipe technique.",
        "This operation (%(operation)s) cannot be retried: report it to the technical team.",
    ),
    # -- the passport and the person's portal (passport.passport*, .portal*) -----------------------
    "portal.locked": (
        "Trop d'essais infructueux depuis cette connexion : réessayez dans 30 minutes.",
        "Too many failed attempts from this connection: try again in 30 minutes.",
    ),
    "person.departement": (
        "Un numéro de département : deux ou trois chiffres, ou 2A, 2B.",
        "A département number: two or three digits, or 2A, 2B.",
    ),
    "portal.code_format": (
        "Un code d'accès compte %(length)s caractères parmi %(alphabet)s.",
        "An access code has %(length)s characters from %(alphabet)s.",
    ),
    "passport.reference_not_found": ("Ce document n'existe pas.", "This document does not exist."),
    "passport.unknown_competence": (
        "Cette compétence ne fait pas partie du référentiel.",
        "This competence is not in the referential.",
    ),
    "passport.no_competence": ("Indiquez au moins une compétence.", "Give at least one competence."),
    "passport.assessed_on": (
        "La date doit être comprise entre l'ouverture du passeport (%(opened)s) et aujourd'hui.",
        "The date must be between the opening of the passport (%(opened)s) and today.",
    ),
    "passport.not_a_period": (
        "Cette période ne fait pas partie de ce passeport.",
        "This period is not part of this passport.",
    ),
    "passport.rome_code": (
        "Un code ROME est une lettre de A à N suivie de quatre chiffres (par exemple K2204).",
        "A ROME code is a letter A to N followed by four digits (for example K2204).",
    ),
    "passport.file_too_large": (
        "Le fichier doit faire %(limit)s Mo au plus.",
        "The file must be %(limit)s MB at most.",
    ),
    "passport.file_type": (
        "Seuls les documents PDF, PNG ou JPEG sont acceptés.",
        "Only PDF, PNG or JPEG documents are accepted.",
    ),
    "referential.missing": (
        "Le référentiel du passeport est introuvable (%(file)s : %(reason)s) : la coordination doit le "
        "rétablir.",
        "The passport referential is missing (%(file)s: %(reason)s): the coordinators must restore it.",
    ),
    "referential.not_json": (
        "Le référentiel du passeport (%(file)s) n'est pas un JSON lisible : %(detail)s",
        "The passport referential (%(file)s) is not readable JSON: %(detail)s",
    ),
    "referential.invalid": (
        "Le référentiel du passeport (%(file)s) est à corriger : %(problems)s",
        "The passport referential (%(file)s) must be fixed: %(problems)s",
    ),
    # -- fields -------------------------------------------------------------------------------------
    "field.required": ("Champ obligatoire.", "Required."),
    "field.integer": ("Saisissez un nombre entier.", "Enter a whole number."),
    "field.number": ("Saisissez un nombre.", "Enter a number."),
    "field.boolean": ("Choisissez oui ou non.", "Choose yes or no."),
    "field.text": ("Saisissez un texte.", "Enter some text."),
    "field.object": ("Un objet JSON est attendu.", "A JSON object is expected."),
    "field.choice": ("Choisissez une valeur de la liste.", "Choose a value from the list."),
    "field.date": ("Saisissez une date (jj/mm/aaaa).", "Enter a date (dd/mm/yyyy)."),
    "field.minimum": ("La valeur doit être au moins %(limit)s.", "The value must be at least %(limit)s."),
    "field.maximum": ("La valeur doit être au plus %(limit)s.", "The value must be at most %(limit)s."),
    "field.too_long": (
        "Texte trop long (%(limit)s caractères au plus).",
        "Too long (at most %(limit)s characters).",
    ),
    "field.too_short": ("Champ obligatoire.", "Required."),
    "field.pattern": ("Format incorrect.", "Wrong format."),
    "field.unknown": ("Ce champ n'est pas attendu.", "This field is not expected."),
    "field.invalid": ("Valeur non valide.", "Invalid value."),
    "field.date_before": (
        "La date doit être au plus tard le %(limit)s.",
        "The date must be on or before %(limit)s.",
    ),
    "field.date_after": (
        "La date doit être au plus tôt le %(limit)s.",
        "The date must be on or after %(limit)s.",
    ),
    "field.period_reversed": (
        "La fin de la période précède son début.",
        "The period ends before it starts.",
    ),
    "field.taken": ("Déjà utilisé : choisissez-en un autre.", "Already taken: choose another one."),
    "field.one_of": ("Choisissez parmi : %(choices)s.", "Choose one of: %(choices)s."),
    "field.min_length": ("Au moins %(limit)s caractères.", "At least %(limit)s characters."),
    "field.between": (
        "La valeur doit être comprise entre %(low)s et %(high)s.",
        "The value must be between %(low)s and %(high)s.",
    ),
    # -- contact details and appointments (issue 17) --------------------------------------------------
    "contact.phone_invalid": (
        "Numéro de téléphone non valide (français, ou international commençant par +).",
        "Invalid phone number (French, or international starting with +).",
    ),
    "contact.email_invalid": ("Adresse e-mail non valide.", "Invalid email address."),
    "contact.channel_without_address": (
        "Enregistrez d'abord l'adresse e-mail ou le numéro de ce canal.",
        "Record this channel's email address or phone number first.",
    ),
    "appointment.not_found": ("Ce rendez-vous n'existe pas.", "This appointment does not exist."),
    "appointment.conflict": (
        "%(counsellor)s a déjà un rendez-vous de %(start)s à %(end)s : choisissez un autre créneau.",
        "%(counsellor)s already has an appointment from %(start)s to %(end)s: choose another slot.",
    ),
    "appointment.not_planned": (
        "Ce rendez-vous est annulé ou sa présence est déjà notée.",
        "This appointment is cancelled or its attendance is already recorded.",
    ),
    "appointment.in_the_past": ("Choisissez un moment à venir.", "Choose a time in the future."),
    "appointment.too_far": (
        "Un rendez-vous se prend au plus un an à l'avance.",
        "An appointment is booked at most one year ahead.",
    ),
    "appointment.outside_hours": (
        "Entre %(opens)s et %(closes)s (heure de Paris).",
        "Between %(opens)s and %(closes)s (Paris time).",
    ),
    "appointment.not_yet": (
        "La présence se note une fois le rendez-vous commencé.",
        "Attendance is recorded once the appointment has started.",
    ),
    "appointment.counsellor": (
        "Choisissez un conseiller actif de la structure de la personne.",
        "Choose an active counsellor of the person's structure.",
    ),
    "appointment.place_required": (
        "Indiquez le lieu du rendez-vous.",
        "Say where the appointment takes place.",
    ),
    "appointment.time": ("Saisissez une heure (hh:mm).", "Enter a time (hh:mm)."),
    "follow_up.not_found": ("Cette relance n'existe pas.", "This follow-up does not exist."),
    "follow_up.already_done": (
        "Cette relance est déjà faite.",
        "This follow-up is already done.",
    ),
}

MESSAGES.update(CHECK_MESSAGES)  # the model checker's, kept in a table of their own


def render(code: str, params: Mapping[str, Any] | None = None, language: str = "fr") -> str:
    """The text of `code` in `language` ("fr" unless "en"), with its parameters filled in."""
    texts = MESSAGES.get(code)
    if texts is None:
        return code
    template = texts[1] if language == "en" else texts[0]
    if "%(" not in template:
        return template
    # A parameter that is itself a message (a script's refusal inside a check) is said in `language`.
    values = {
        key: value.text(language) if isinstance(value, Said) else value
        for key, value in (params or {}).items()
    }
    try:
        return template % values
    except (KeyError, TypeError, ValueError):
        return template


def known(code: str) -> bool:
    return code in MESSAGES
