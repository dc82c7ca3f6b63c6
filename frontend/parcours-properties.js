/**
 * The "Parcours" group of the properties panel: edits the `spiffworkflow:properties` entries
 * that parcours-engine reads when it publishes a model (engine/checks.py and engine/loader.py):
 *
 * - user tasks: `formJsonSchemaFilename`, `formUiSchemaFilename`, `dueInDays` (0 or more);
 * - every activity: `measure` (true or absent), `maxWaitDays` (1 or more);
 * - the process (selected, or through its pool): `idleThresholdDays` (1 or more).
 *
 * The two form files are chosen in a list: the names the page gives as the modeler's
 * `parcoursForms.list()` (the draft's forms), plus the current value if it is not among them.
 *
 * Values are stored as strings, as the host reads them; clearing a field removes the entry so
 * that the XML keeps only what the modeller set. The checks here only help the modeller: the
 * host checks everything again when it publishes.
 */

import { CheckboxEntry, Group, SelectEntry, TextFieldEntry } from '@bpmn-io/properties-panel';
import { useService } from 'bpmn-js-properties-panel';
import { getBusinessObject, is, isAny } from 'bpmn-js/lib/util/ModelUtil';

const PROPERTIES_TYPE = 'spiffworkflow:Properties';
const PROPERTY_TYPE = 'spiffworkflow:Property';
const LOW_PRIORITY = 500;

/** The activity kinds of engine/checks.py's ACTIVITIES (bpmn:Activity covers them all). */
const ACTIVITY = 'bpmn:Activity';

/**
 * The business object that carries the process-level properties for a selected element, or
 * null: the process itself, or the process a pool (participant) stands for.
 */
function processOf(element) {
  const bo = getBusinessObject(element);
  if (is(bo, 'bpmn:Process')) {
    return bo;
  }
  if (is(bo, 'bpmn:Participant') && bo.processRef) {
    return bo.processRef;
  }
  return null;
}

function propertiesContainer(bo) {
  const values = (bo.extensionElements && bo.extensionElements.get('values')) || [];
  return values.find((value) => is(value, PROPERTIES_TYPE)) || null;
}

/**
 * The value of the `spiffworkflow:property` named `name` on `bo`, or '' when it is absent.
 *
 * @param {object} bo a moddle element
 * @param {string} name
 * @return {string}
 */
export function readProperty(bo, name) {
  const container = propertiesContainer(bo);
  const entries = (container && container.get('properties')) || [];
  const found = entries.find((entry) => entry.name === name);
  return (found && found.value) || '';
}

/**
 * Commands (for the properties panel's multi-command executor, so one undo step) that set
 * property `name` of `bo` to `value`, creating the extension containers when missing; an
 * empty value removes the property.
 */
function writeCommands(element, bo, name, value, bpmnFactory) {
  const commands = [];
  const update = (moddleElement, properties) =>
    commands.push({ cmd: 'element.updateModdleProperties', context: { element, moddleElement, properties } });

  let extensionElements = bo.extensionElements;
  if (!extensionElements) {
    if (!value) {
      return commands;
    }
    extensionElements = bpmnFactory.create('bpmn:ExtensionElements', { values: [] });
    extensionElements.$parent = bo;
    update(bo, { extensionElements });
  }
  let container = propertiesContainer(bo);
  if (!container) {
    if (!value) {
      return commands;
    }
    container = bpmnFactory.create(PROPERTIES_TYPE, { properties: [] });
    container.$parent = extensionElements;
    update(extensionElements, { values: [...extensionElements.get('values'), container] });
  }
  const entries = container.get('properties');
  const existing = entries.find((entry) => entry.name === name);
  if (existing && value) {
    update(existing, { value });
  } else if (existing) {
    update(container, { properties: entries.filter((entry) => entry !== existing) });
  } else if (value) {
    const property = bpmnFactory.create(PROPERTY_TYPE, { name, value });
    property.$parent = container;
    update(container, { properties: [...entries, property] });
  }
  return commands;
}

function useWriter(element, bo, name) {
  const bpmnFactory = useService('bpmnFactory');
  const commandStack = useService('commandStack');
  return (value) => {
    const commands = writeCommands(element, bo, name, value, bpmnFactory);
    if (commands.length) {
      commandStack.execute('properties-panel.multi-command-executor', commands);
    }
  };
}

/** Error message for a value that is not a whole number of days >= minimum, else null. */
function daysError(translate, minimum) {
  return (value) => {
    const text = (value || '').trim();
    if (!text || (/^\d+$/.test(text) && Number(text) >= minimum)) {
      return null;
    }
    return translate('A whole number of days, {minimum} or more.', { minimum: String(minimum) });
  };
}

function TextProperty(props) {
  const { element, id, bo, name, label, description, minimum } = props;
  const translate = useService('translate');
  const debounce = useService('debounceInput');
  const setValue = useWriter(element, bo, name);
  return TextFieldEntry({
    element,
    id,
    label: translate(label),
    description: description && translate(description),
    getValue: () => readProperty(bo, name),
    setValue: (value) => setValue((value || '').trim()),
    validate: minimum === undefined ? undefined : daysError(translate, minimum),
    debounce,
  });
}

/** The form files offered for `name`: JSON Schemas, or UI schemas for the layout. */
function formChoices(forms, name, current) {
  const all = (forms && typeof forms.list === 'function' ? forms.list() : []) || [];
  const layout = name === 'formUiSchemaFilename';
  const names = all.filter((file) => file.endsWith('.uischema.json') === layout);
  if (current && !names.includes(current)) {
    names.push(current);
  }
  return names.sort();
}

function FormProperty(props) {
  const { element, id, bo, name, label, description } = props;
  const translate = useService('translate');
  const forms = useService('config.parcoursForms', false);
  const setValue = useWriter(element, bo, name);
  return SelectEntry({
    element,
    id,
    label: translate(label),
    description: description && translate(description),
    getValue: () => readProperty(bo, name),
    setValue: (value) => setValue(value || ''),
    getOptions: () => [
      { value: '', label: translate('(none)') },
      ...formChoices(forms, name, readProperty(bo, name)).map((file) => ({ value: file, label: file })),
    ],
  });
}

function CheckboxProperty(props) {
  const { element, id, bo, name, label } = props;
  const translate = useService('translate');
  const setValue = useWriter(element, bo, name);
  return CheckboxEntry({
    element,
    id,
    label: translate(label),
    getValue: () => readProperty(bo, name) === 'true',
    setValue: (checked) => setValue(checked ? 'true' : ''),
  });
}

function isEdited(node) {
  return Boolean(node && (node.value || node.checked));
}

/** The entries that apply to `element`, in the order a modeller fills them in. */
function parcoursEntries(element) {
  const entries = [];
  const text = (bo, name, label, extra) =>
    entries.push({ id: `parcours-${name}`, component: TextProperty, isEdited, bo, name, label, ...extra });
  const process = processOf(element);
  if (process) {
    text(process, 'idleThresholdDays', 'Idle after (days without activity)', { minimum: 1 });
  }
  const bo = getBusinessObject(element);
  if (is(bo, 'bpmn:UserTask')) {
    const description = 'One of the draft\'s forms (add one under "Forms" below the diagram).';
    const form = (name, label, extra) =>
      entries.push({ id: `parcours-${name}`, component: FormProperty, isEdited, bo, name, label, ...extra });
    form('formJsonSchemaFilename', 'Form (JSON Schema file)', { description });
    form('formUiSchemaFilename', 'Form layout (UI schema file)');
    text(bo, 'dueInDays', 'Due in (days)', { minimum: 0 });
  }
  if (isAny(bo, [ACTIVITY])) {
    entries.push({
      id: 'parcours-measure',
      component: CheckboxProperty,
      isEdited,
      bo,
      name: 'measure',
      label: 'Counts as a measure',
    });
    text(bo, 'maxWaitDays', 'Maximum wait (days)', { minimum: 1 });
  }
  return entries;
}

/** Adds the "Parcours" group, right after "General", to elements it has entries for. */
export class ParcoursPropertiesProvider {
  constructor(propertiesPanel, translate) {
    this._translate = translate;
    propertiesPanel.registerProvider(LOW_PRIORITY, this);
  }

  getGroups(element) {
    return (groups) => {
      const entries = parcoursEntries(element);
      if (!entries.length) {
        return groups;
      }
      const group = { id: 'parcours', label: this._translate('Parcours'), entries, component: Group };
      const general = groups.findIndex((candidate) => candidate.id === 'general');
      groups.splice(general + 1, 0, group);
      return groups;
    };
  }
}

ParcoursPropertiesProvider.$inject = ['propertiesPanel', 'translate'];

/** A didi module registering the provider. */
export default {
  __init__: ['parcoursPropertiesProvider'],
  parcoursPropertiesProvider: ['type', ParcoursPropertiesProvider],
};
