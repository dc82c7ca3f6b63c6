/**
 * French for the modeler: a replacement for diagram-js's `translate` service.
 *
 * The base dictionary is the community one of bpmn-js-i18n; it lags behind bpmn-js, so
 * `SUPPLEMENT` adds the labels it lacks (palette, context pad, replace menu of bpmn-js 18),
 * the properties panel labels a modeller sees on our elements, the lint button, and our own
 * "Parcours" group. Keys are bpmn-js's English source strings; `{name}` placeholders are kept.
 */

import community from 'bpmn-js-i18n/translations/fr.js';

const SUPPLEMENT = {
  // Palette and context pad labels missing or left in English upstream.
  'Ad-hoc sub-process': 'Sous-processus ad hoc',
  'Align elements': 'Aligner les éléments',
  'Align elements bottom': 'Aligner en bas',
  'Align elements center': 'Centrer horizontalement',
  'Align elements left': 'Aligner à gauche',
  'Align elements middle': 'Centrer verticalement',
  'Align elements right': 'Aligner à droite',
  'Align elements top': 'Aligner en haut',
  'Append conditional intermediate catch event': 'Ajouter un événement intermédiaire conditionnel',
  'Append end event': 'Ajouter un événement de fin',
  'Append message intermediate catch event': 'Ajouter un événement intermédiaire de message',
  'Append receive task': 'Ajouter une tâche de réception',
  'Append signal intermediate catch event': 'Ajouter un événement intermédiaire de signal',
  'Append task': 'Ajouter une tâche',
  'Append text annotation': 'Ajouter une annotation',
  'Append timer intermediate catch event': 'Ajouter une minuterie intermédiaire',
  'Boundary event': 'Événement attaché',
  'Business rule task': 'Tâche de règle métier',
  'Call activity': 'Activité appelée',
  'Change element': "Changer l'élément",
  'Collection': 'Collection',
  'Conditional flow': 'Flux conditionnel',
  'Create data object reference': 'Créer une référence d’objet de données',
  'Create data store reference': 'Créer une référence de stockage de données',
  'Create end event': 'Créer un événement de fin',
  'Create group': 'Créer un groupe',
  'Create start event': 'Créer un événement de début',
  'Create task': 'Créer une tâche',
  'Data object reference': 'Référence d’objet de données',
  'Data store reference': 'Référence de stockage de données',
  'Default flow': 'Flux par défaut',
  'Distribute elements horizontally': 'Répartir horizontalement',
  'Distribute elements vertically': 'Répartir verticalement',
  'Empty pool/participant (removes content)': 'Bassin vide (supprime le contenu)',
  'Escalation start event': "Événement de début d'escalade",
  'Event based instantiating Gateway': 'Passerelle événementielle instanciante',
  'Expanded pool/participant': 'Bassin étendu',
  'Message start event': 'Événement de début de message',
  'Open {element}': 'Ouvrir {element}',
  'Parallel Event based instantiating Gateway': 'Passerelle événementielle parallèle instanciante',
  'Parallel gateway': 'Passerelle parallèle',
  'Participant multiplicity': 'Multiplicité du participant',
  'Sequence flow': 'Flux de séquence',
  'Signal end event': 'Événement de fin de signal',
  'Sub-process (expanded)': 'Sous-processus (étendu)',
  'Toggle non-interrupting': 'Basculer non interrompant',

  // Upstream translations that read wrong to a French modeller.
  'Create intermediate/boundary event': 'Créer un événement intermédiaire ou attaché',
  'Create gateway': 'Créer une passerelle',
  'Create expanded sub-process': 'Créer un sous-processus étendu',
  'Create pool/participant': 'Créer un bassin (participant)',
  'Connect using sequence/message flow or association': 'Relier par un flux ou une association',
  'Add lane above': 'Ajouter un couloir au-dessus',
  'Add lane below': 'Ajouter un couloir en dessous',
  'Divide into two lanes': 'Diviser en deux couloirs',
  'Divide into three lanes': 'Diviser en trois couloirs',
  'Remove': 'Supprimer',
  'Task': 'Tâche',
  'User task': 'Tâche utilisateur',
  'Manual task': 'Tâche manuelle',
  'Script task': 'Tâche de script',
  'Service task': 'Tâche de service',
  'Send task': "Tâche d'envoi",
  'Receive task': 'Tâche de réception',
  'Sub-process': 'Sous-processus',
  'Transaction': 'Transaction',
  'Start event': 'Événement de début',
  'End event': 'Événement de fin',
  'Intermediate throw event': 'Événement intermédiaire émis',
  'Exclusive gateway': 'Passerelle exclusive',
  'Inclusive gateway': 'Passerelle inclusive',
  'Event-based gateway': 'Passerelle événementielle',

  // bpmn-js-bpmnlint.
  'Issues for child elements': 'Problèmes des éléments enfants',
  'Toggle linting overlays': 'Afficher ou masquer les problèmes',
  '{errors} Errors, {warnings} Warnings': '{errors} erreur(s), {warnings} avertissement(s)',
  'No Issues': 'Aucun problème',
  // bpmnlint's recommended rules (frontend/.bpmnlintrc): what the overlays say of an element.
  'Element is missing label/name': "L'élément n'a pas de nom",
  'Element is missing name': "L'élément n'a pas de nom",
  'Element is not connected': "L'élément n'est relié à rien",
  'Element is an implicit end': "L'élément termine le parcours sans événement de fin",
  'Element is an implicit start': "L'élément commence le parcours sans événement de début",
  'Element is missing bpmndi': "L'élément n'est pas dessiné dans le schéma",
  'Element is outside of parent boundary': "L'élément dépasse de son conteneur",
  'Element overlaps with other element': "L'élément en chevauche un autre",
  'Element is unused': "L'élément n'est pas utilisé",
  'Element name is not unique': "Le nom de l'élément n'est pas unique",
  'Element type <bpmn:ComplexGateway> is discouraged': 'La passerelle complexe est déconseillée',
  'Element type <bpmn:InclusiveGateway> is discouraged': 'La passerelle inclusive est déconseillée',
  'Sequence flow is missing condition': "Le flux n'a pas de condition",
  'Sequence flow has superfluous label': 'Le flux a un libellé inutile',
  'SequenceFlow is a duplicate': 'Le flux est en double',
  'Duplicate outgoing sequence flows': 'Flux sortants en double',
  'Duplicate incoming sequence flows': 'Flux entrants en double',
  'Flow splits implicitly': 'Le flux se divise sans passerelle',
  'Incoming flows do not join': 'Les flux entrants ne se rejoignent pas (ajoutez une passerelle)',
  'Gateway forks and joins': 'La passerelle sépare et rejoint à la fois',
  'Gateway is superfluous. It only has one source and target.':
    "La passerelle est inutile : elle n'a qu'une entrée et une sortie.",
  'Termination is superfluous.': "L'événement de terminaison est inutile.",
  'Process is missing end event': "Le processus n'a pas d'événement de fin",
  'Process is missing start event': "Le processus n'a pas d'événement de début",
  'Process has multiple blank start events': 'Le processus a plusieurs événements de début simples',
  'Sub process is missing end event': "Le sous-processus n'a pas d'événement de fin",
  'Sub process is missing start event': "Le sous-processus n'a pas d'événement de début",
  'Sub process has multiple blank start events': 'Le sous-processus a plusieurs événements de début simples',
  'Start event must be blank': "L'événement de début doit être simple",
  'Start event is missing event definition': "L'événement de début n'a pas de définition",
  'Event has multiple event definitions': "L'événement a plusieurs définitions",
  'Conditional event is missing a condition': "L'événement conditionnel n'a pas de condition",
  'Link event is missing link name': "L'événement de lien n'a pas de nom de lien",
  'An <Event-based Gateway> must have at least 2 outgoing <Sequence Flows>':
    'Une passerelle événementielle doit avoir au moins 2 flux sortants',
  'A <Sequence Flow> outgoing from an <Event-based Gateway> must not be conditional':
    "Un flux qui sort d'une passerelle événementielle ne doit pas avoir de condition",
  'A <Start Event> is not allowed in <Ad Hoc Sub Process>':
    "Un événement de début n'est pas admis dans un sous-processus ad hoc",
  'An <End Event> is not allowed in <Ad Hoc Sub Process>':
    "Un événement de fin n'est pas admis dans un sous-processus ad hoc",

  // Element types in the properties panel header.
  'Process': 'Processus',
  'Participant': 'Bassin',
  'Lane': 'Couloir',
  'User Task': 'Tâche utilisateur',
  'Manual Task': 'Tâche manuelle',
  'Script Task': 'Tâche de script',
  'Service Task': 'Tâche de service',
  'Send Task': "Tâche d'envoi",
  'Receive Task': 'Tâche de réception',
  'Business Rule Task': 'Tâche de règle métier',
  'Call Activity': 'Activité appelée',
  'Expanded Sub Process': 'Sous-processus étendu',
  'Collapsed Sub Process': 'Sous-processus réduit',
  'Start Event': 'Événement de début',
  'End Event': 'Événement de fin',
  'Timer Intermediate Catch Event': 'Minuterie intermédiaire',
  'Timer Boundary Event': 'Minuterie attachée',
  'Exclusive Gateway': 'Passerelle exclusive',
  'Parallel Gateway': 'Passerelle parallèle',
  'Inclusive Gateway': 'Passerelle inclusive',
  'Event Based Gateway': 'Passerelle événementielle',
  'Sequence Flow': 'Flux de séquence',
  'Text Annotation': 'Annotation',

  // Properties panel (groups and entries shown for our elements).
  'General': 'Général',
  'Name': 'Nom',
  'ID': 'Identifiant',
  'Documentation': 'Documentation',
  'Element documentation': "Documentation de l'élément",
  'Process documentation': 'Documentation du processus',
  'Process name': 'Nom du processus',
  'Process ID': 'Identifiant du processus',
  'Participant Name': 'Nom du participant',
  'Executable': 'Exécutable',
  'Timer': 'Minuterie',
  'Type': 'Type',
  'Value': 'Valeur',
  'Duration': 'Durée',
  'Date': 'Date',
  'Cycle': 'Cycle',
  'Condition expression': 'Expression de condition',
  'Multi-instance': 'Multi-instance',
  'Loop cardinality': 'Nombre d’itérations',
  'Completion condition': "Condition d'achèvement",
  'Message': 'Message',
  'Signal': 'Signal',
  'Error': 'Erreur',
  'Escalation': 'Escalade',
  'Link': 'Lien',
  'Compensation': 'Compensation',
  'Select an element to edit its properties.': 'Sélectionnez un élément pour modifier ses propriétés.',
  'Multiple elements are selected. Select a single element to edit its properties.':
    'Plusieurs éléments sont sélectionnés. Sélectionnez-en un seul pour modifier ses propriétés.',
  'ID must be unique.': "L'identifiant doit être unique.",
  'ID must not be empty.': "L'identifiant ne doit pas être vide.",
  'ID must not contain spaces.': "L'identifiant ne doit pas contenir d'espace.",
  'ID must be a valid QName.': "L'identifiant doit être un nom XML valide.",
  'ID must not contain prefix.': "L'identifiant ne doit pas contenir de préfixe.",

  // Our "Parcours" group (parcours-properties.js).
  'Parcours': 'Parcours',
  'Form (JSON Schema file)': 'Formulaire (fichier JSON Schema)',
  'Form layout (UI schema file)': 'Mise en page du formulaire (fichier UI Schema)',
  'Due in (days)': 'Échéance (jours)',
  'Counts as a measure': 'Compte comme une mesure',
  'Maximum wait (days)': 'Attente maximale (jours)',
  'Idle after (days without activity)': 'Inactif après (jours sans activité)',
  'A whole number of days, {minimum} or more.': 'Un nombre entier de jours, {minimum} ou plus.',
  'File name in forms/, for example diagnostic.schema.json.':
    'Nom de fichier dans forms/, par exemple diagnostic.schema.json.',
  'One of the draft\'s forms (add one under "Forms" below the diagram).':
    'Un des formulaires du brouillon (en ajouter un sous « Formulaires », sous le diagramme).',
  '(none)': '(aucun)',
};

/** The French dictionary: the community translation, completed and corrected by ours. */
export const FRENCH = { ...community, ...SUPPLEMENT };

/**
 * Translate `template` to French, then substitute `{key}` placeholders; unknown strings stay
 * in English rather than failing, as diagram-js's own stub does.
 *
 * @param {string} template
 * @param {Record<string, string>} [replacements]
 * @return {string}
 */
export function translateFr(template, replacements) {
  const values = replacements || {};
  const text = FRENCH[template] || template;
  return text.replace(/{([^}]+)}/g, (_, key) => (key in values ? String(values[key]) : `{${key}}`));
}

/** A didi module overriding diagram-js's `translate` service. */
export default {
  translate: ['value', translateFr],
};
