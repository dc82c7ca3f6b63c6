// Studio editor page, the forms beside the model: one form shown at a time (picked in #form-picker),
// edited field by field in a visual editor that writes the JSON Schema, with the raw JSON as an
// "expert view" kept in sync both ways, and a live preview. The French texts come from the page's
// <template> elements (studio/editor.html), so that they go through the translation layer.
// Sets `window.StudioForms`, which studio.js uses:
//
//   StudioForms.watch(block, invalidMessage, onEdit)  // wire a .studio-form; onEdit(name) on each change
//   StudioForms.add(invalidMessage, onEdit)            // add the new form; its name, or null if invalid
//   StudioForms.texts(names)                           // {name: schema text} of those forms
//   StudioForms.names()                                // every form's file name (the panel's list)
//   StudioForms.show(name)                             // show that form
//
// The editor knows text, number, integer, date, boolean and closed-list fields. A free text needs a
// maxLength of at most 200 and the warning shown to the counsellor (x-avertissement): the editor
// fills both in for a new text field and marks a field that lacks them; publishing refuses it
// (engine/form_checks.py). A field it does not know (a pattern, an object, an array...) is kept as
// it is: its title and name can change here, the rest only in the expert view. Keys the editor
// does not manage are kept.
(function () {
  'use strict';

  const FORM_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.json$/;
  const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
  const FREE_TEXT_MAX = 200;
  const MANAGED = ['title', 'type', 'format', 'oneOf', 'enum', 'const', 'minimum', 'maximum', 'maxLength',
    'x-avertissement', 'x-not-future', 'x-not-before'];
  const ADVANCED = ['$ref', 'allOf', 'anyOf', 'not', 'items', 'properties', 'pattern', 'if'];
  const NEW_SCHEMA = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    title: '',
    type: 'object',
    properties: {},
    additionalProperties: false,
  };

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => node.setAttribute(key, value));
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function messages() {
    return document.getElementById('forms-section').dataset;
  }

  function clone(id) {
    return document.getElementById(id).content.firstElementChild.cloneNode(true);
  }

  // ---- The preview: title, type, closed lists, dates, booleans. ----

  function previewField(name, prop, required) {
    const wrap = el('p', { class: 'preview-field' });
    const label = el('label', {}, (prop.title || name) + (required ? ' *' : ''));
    wrap.appendChild(label);
    const choices = (prop.oneOf || []).map((c) => [c.const, c.title || c.const])
      .concat((Array.isArray(prop.enum) ? prop.enum : []).map((v) => [v, v]));
    let input;
    if (choices.length) {
      input = el('select', { disabled: '' });
      choices.forEach(([value, text]) => input.appendChild(el('option', { value: String(value) }, String(text))));
    } else if (prop.type === 'boolean') {
      input = el('input', { type: 'checkbox', disabled: '' });
    } else if (prop.format === 'date') {
      input = el('input', { type: 'date', disabled: '' });
    } else if (prop.type === 'integer' || prop.type === 'number') {
      input = el('input', { type: 'number', disabled: '' });
    } else {
      input = el('input', { type: 'text', disabled: '' });
    }
    label.appendChild(input); // the preview's fields are named by their labels, as on the task page
    return wrap;
  }

  function renderPreview(box, text, invalidMessage) {
    box.replaceChildren();
    let schema;
    try {
      schema = JSON.parse(text);
    } catch (error) {
      box.appendChild(el('p', { class: 'error' }, `${invalidMessage} : ${error.message}`));
      return null;
    }
    if (schema && schema.title) {
      box.appendChild(el('h4', {}, schema.title));
    }
    const required = new Set((schema && schema.required) || []);
    Object.entries((schema && schema.properties) || {}).forEach(([name, prop]) => {
      box.appendChild(previewField(name, prop || {}, required.has(name)));
    });
    return schema;
  }

  // ---- A field's kind, read from its schema, and its schema, written from the editor. ----

  function kindOf(prop) {
    if (!prop || typeof prop !== 'object' || Array.isArray(prop) || ADVANCED.some((key) => key in prop)) {
      return 'advanced';
    }
    if (Array.isArray(prop.oneOf) && prop.oneOf.length && prop.oneOf.every((c) => c && 'const' in c)) {
      return 'choice';
    }
    if (Array.isArray(prop.enum) && prop.enum.every((v) => v === null || typeof v !== 'object')) {
      return 'choice';
    }
    if (prop.oneOf || prop.enum || 'const' in prop) {
      return 'advanced';
    }
    if (prop.type === 'boolean' || prop.type === 'integer' || prop.type === 'number') {
      return prop.type;
    }
    if (prop.type === 'string' && prop.format === 'date') {
      return 'date';
    }
    return prop.type === 'string' && !prop.format ? 'text' : 'advanced';
  }

  function optionsOf(prop) {
    if (Array.isArray(prop.oneOf)) {
      return prop.oneOf.map((c) => [String(c.const), c.title === undefined ? String(c.const) : String(c.title)]);
    }
    return (prop.enum || []).map((v) => [String(v), String(v)]);
  }

  function numberOrNull(text) {
    const value = String(text).trim();
    return value === '' || Number.isNaN(Number(value)) ? null : Number(value);
  }

  /** The JSON type of a closed list's values: numbers stay numbers when they all are. */
  function choiceType(original, values) {
    const numeric = original && (original.type === 'integer' || original.type === 'number');
    if (numeric && values.every((value) => numberOrNull(value) !== null)) {
      return original.type === 'integer' && values.every((value) => Number.isInteger(Number(value)))
        ? 'integer' : 'number';
    }
    return 'string';
  }

  function q(root, selector) {
    return root.querySelector(selector);
  }

  function fieldSchema(fs) {
    const kind = q(fs, '.f-type').value;
    const original = fs.parcoursProp || {};
    const title = q(fs, '.f-title').value;
    if (kind === 'advanced') {
      const kept = { ...original };
      if (title) {
        kept.title = title;
      } else {
        delete kept.title;
      }
      return kept;
    }
    const prop = {};
    if (title) {
      prop.title = title;
    }
    Object.entries(original).forEach(([key, value]) => {
      if (!MANAGED.includes(key)) {
        prop[key] = value;
      }
    });
    if (kind === 'text') {
      prop.type = 'string';
      const max = numberOrNull(q(fs, '.f-maxlength').value);
      if (max !== null) {
        prop.maxLength = max;
      }
      const warning = q(fs, '.f-warning').value.trim();
      if (warning) {
        prop['x-avertissement'] = warning;
      }
    } else if (kind === 'number' || kind === 'integer') {
      prop.type = kind;
      const min = numberOrNull(q(fs, '.f-minimum').value);
      const max = numberOrNull(q(fs, '.f-maximum').value);
      if (min !== null) {
        prop.minimum = min;
      }
      if (max !== null) {
        prop.maximum = max;
      }
    } else if (kind === 'date') {
      prop.type = 'string';
      prop.format = 'date';
      if (q(fs, '.f-not-future').checked) {
        prop['x-not-future'] = true;
      }
      const before = q(fs, '.f-not-before').value;
      if (before) {
        prop['x-not-before'] = before;
      }
    } else if (kind === 'boolean') {
      prop.type = 'boolean';
    } else if (kind === 'choice') {
      const rows = Array.from(fs.querySelectorAll('.f-options tbody tr'))
        .map((row) => [q(row, '.o-value').value.trim(), q(row, '.o-label').value.trim()]);
      const type = choiceType(original, rows.map(([value]) => value));
      prop.type = type;
      prop.oneOf = rows.map(([value, label]) => {
        const option = { const: type === 'string' ? value : Number(value) };
        if (label) {
          option.title = label;
        }
        return option;
      });
    }
    return prop;
  }

  // ---- The visual editor of one form. ----

  function addOption(fs, value, label) {
    const row = clone('form-option-template');
    q(row, '.o-value').value = value;
    q(row, '.o-label').value = label;
    q(fs, '.f-options tbody').appendChild(row);
    return row;
  }

  function showKind(fs) {
    const kind = q(fs, '.f-type').value;
    fs.querySelectorAll('[data-when]').forEach((part) => {
      part.hidden = !part.dataset.when.split(' ').includes(kind);
    });
  }

  function fillField(fs, name, prop, required) {
    const kind = kindOf(prop);
    fs.parcoursProp = prop;
    q(fs, '.f-name').value = name;
    q(fs, '.f-title').value = prop.title || '';
    q(fs, '.f-type').value = kind;
    q(fs, '.f-type option[value="advanced"]').disabled = kind !== 'advanced';
    q(fs, '.f-required').checked = required;
    q(fs, '.f-maxlength').value = prop.maxLength === undefined ? '' : String(prop.maxLength);
    q(fs, '.f-warning').value = prop['x-avertissement'] || '';
    q(fs, '.f-minimum').value = prop.minimum === undefined ? '' : String(prop.minimum);
    q(fs, '.f-maximum').value = prop.maximum === undefined ? '' : String(prop.maximum);
    q(fs, '.f-not-future').checked = prop['x-not-future'] === true;
    q(fs, '.f-not-before').dataset.value = prop['x-not-before'] || '';
    q(fs, '.f-options tbody').replaceChildren();
    if (kind === 'choice') {
      optionsOf(prop).forEach(([value, label]) => addOption(fs, value, label));
    }
    showKind(fs);
  }

  /** A new field's defaults when its kind changes: a free text gets its limit and its warning. */
  function kindChanged(fs) {
    const kind = q(fs, '.f-type').value;
    if (kind === 'text') {
      if (!q(fs, '.f-maxlength').value) {
        q(fs, '.f-maxlength').value = String(FREE_TEXT_MAX);
      }
      if (!q(fs, '.f-warning').value.trim()) {
        q(fs, '.f-warning').value = messages().defaultWarning;
      }
    }
    if (kind === 'choice' && !fs.querySelector('.f-options tbody tr')) {
      addOption(fs, '', '');
    }
    showKind(fs);
  }

  function fieldErrors(fs, names) {
    const msg = messages();
    const errors = [];
    const mark = (selector, bad, message) => {
      if (selector && bad) {
        q(fs, selector).setAttribute('aria-invalid', 'true');
      } else if (selector) {
        q(fs, selector).removeAttribute('aria-invalid'); // no "valid" mark on every field
      }
      if (bad) {
        errors.push(message);
      }
    };
    const name = q(fs, '.f-name').value.trim();
    mark('.f-name', !FIELD_NAME.test(name) || names.filter((other) => other === name).length > 1,
      FIELD_NAME.test(name) ? msg.msgDuplicate : msg.msgName);
    const kind = q(fs, '.f-type').value;
    const max = numberOrNull(q(fs, '.f-maxlength').value);
    mark('.f-maxlength', kind === 'text' && (max === null || max < 1 || max > FREE_TEXT_MAX), msg.msgMaxlength);
    mark('.f-warning', kind === 'text' && !q(fs, '.f-warning').value.trim(), msg.msgWarning);
    const min = numberOrNull(q(fs, '.f-minimum').value);
    const top = numberOrNull(q(fs, '.f-maximum').value);
    mark('.f-maximum', (kind === 'number' || kind === 'integer') && min !== null && top !== null && min > top,
      msg.msgBounds);
    const values = Array.from(fs.querySelectorAll('.o-value')).map((input) => input.value.trim());
    mark(null, kind === 'choice' && (!values.length || values.some((v) => !v)
      || new Set(values).size !== values.length), msg.msgOptions);
    const box = q(fs, '.field-errors');
    box.textContent = errors.join(' ');
    box.hidden = !errors.length;
    fs.classList.toggle('has-error', errors.length > 0);
  }

  /** The date fields' "not before" lists name the form's other date fields. */
  function refreshDateChoices(editor) {
    const fields = Array.from(editor.querySelectorAll('.form-field'));
    const dates = fields.filter((fs) => q(fs, '.f-type').value === 'date').map((fs) => q(fs, '.f-name').value.trim());
    fields.forEach((fs) => {
      const select = q(fs, '.f-not-before');
      const chosen = select.dataset.value || '';
      const own = q(fs, '.f-name').value.trim();
      const names = dates.filter((name) => name && name !== own);
      if (chosen && !names.includes(chosen)) {
        names.push(chosen);
      }
      select.replaceChildren(select.options[0] || el('option', { value: '' }, '—'),
        ...names.map((name) => el('option', { value: name }, name)));
      select.value = chosen;
    });
  }

  function labelFields(editor) {
    editor.querySelectorAll('.form-field').forEach((fs, index) => {
      const name = q(fs, '.f-name').value.trim();
      const title = q(fs, '.f-title').value.trim();
      q(fs, '.field-legend').textContent = `${index + 1}. ${title || name}`;
    });
  }

  /** Write the editor's form into the block's JSON (the expert view), keeping what it does not manage. */
  function writeSchema(block) {
    const editor = q(block, '.form-editor');
    const schema = { ...(block.parcoursSchema || {}) };
    const title = q(editor, '.fe-title').value;
    const description = q(editor, '.fe-description').value;
    schema.title = title;
    if (description) {
      schema.description = description;
    } else {
      delete schema.description;
    }
    const properties = {};
    const required = [];
    const fields = Array.from(editor.querySelectorAll('.form-field'));
    const names = fields.map((fs) => q(fs, '.f-name').value.trim());
    fields.forEach((fs, index) => {
      properties[names[index]] = fieldSchema(fs);
      if (q(fs, '.f-required').checked) {
        required.push(names[index]);
      }
      fieldErrors(fs, names);
    });
    schema.type = schema.type || 'object';
    schema.properties = properties;
    if (required.length) {
      schema.required = required;
    } else {
      delete schema.required;
    }
    block.parcoursSchema = schema;
    return schema;
  }

  function newField(editor, block, name, prop, required) {
    const fs = clone('form-field-template');
    fillField(fs, name, prop, required);
    q(editor, '.fe-fields').appendChild(fs);
    q(fs, '.f-type').addEventListener('change', () => kindChanged(fs));
    q(fs, '.f-not-before').addEventListener('change', (event) => {
      event.target.dataset.value = event.target.value;
    });
    q(fs, '.f-add-option').addEventListener('click', () => {
      q(addOption(fs, '', ''), '.o-value').focus();
      block.parcoursEdited();
    });
    fs.addEventListener('click', (event) => {
      const button = event.target.closest('button');
      if (!button) {
        return;
      }
      if (button.classList.contains('o-remove')) {
        button.closest('tr').remove();
      } else if (button.classList.contains('f-remove')) {
        fs.remove();
      } else if (button.classList.contains('f-up') && fs.previousElementSibling) {
        fs.parentNode.insertBefore(fs, fs.previousElementSibling);
      } else if (button.classList.contains('f-down') && fs.nextElementSibling) {
        fs.parentNode.insertBefore(fs.nextElementSibling, fs);
      } else {
        return;
      }
      block.parcoursEdited();
    });
    return fs;
  }

  function isEditable(schema) {
    return schema && typeof schema === 'object' && !Array.isArray(schema)
      && (schema.type === undefined || schema.type === 'object')
      && (schema.properties === undefined || (typeof schema.properties === 'object' && !Array.isArray(schema.properties)));
  }

  /** (Re)build the visual editor from the block's schema; false when the editor cannot show it. */
  function buildEditor(block) {
    const editor = q(block, '.form-editor');
    const schema = block.parcoursSchema;
    editor.replaceChildren();
    if (!isEditable(schema) || block.dataset.name.endsWith('.uischema.json')) {
      editor.hidden = true;
      return false;
    }
    editor.hidden = false;
    editor.appendChild(clone('form-editor-template'));
    q(editor, '.fe-title').value = schema.title || '';
    q(editor, '.fe-description').value = schema.description || '';
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    Object.entries(schema.properties || {}).forEach(([name, prop]) => {
      newField(editor, block, name, prop || {}, required.has(name));
    });
    q(editor, '.fe-add-field').addEventListener('click', () => {
      const taken = new Set(Array.from(editor.querySelectorAll('.f-name')).map((input) => input.value.trim()));
      let n = taken.size + 1;
      while (taken.has(`champ_${n}`)) {
        n += 1;
      }
      const fs = newField(editor, block, `champ_${n}`, { type: 'string' }, false);
      kindChanged(fs);
      block.parcoursEdited();
      q(fs, '.f-title').focus();
    });
    refreshDateChoices(editor);
    labelFields(editor);
    editor.querySelectorAll('.form-field').forEach((fs) => fieldErrors(fs, []));
    return true;
  }

  function watch(block, invalidMessage, onEdit) {
    const area = q(block, 'textarea.schema-json');
    const box = q(block, '.form-preview');
    const expert = q(block, '.expert-view');
    const editor = q(block, '.form-editor');
    block.parcoursSchema = renderPreview(box, area.value, invalidMessage);
    // The editor's changes write the JSON; the JSON's changes rebuild the editor.
    block.parcoursEdited = () => {
      const schema = writeSchema(block);
      refreshDateChoices(editor);
      labelFields(editor);
      area.value = JSON.stringify(schema, null, 2);
      renderPreview(box, area.value, invalidMessage);
      onEdit(block.dataset.name);
    };
    editor.addEventListener('input', () => block.parcoursEdited());
    editor.addEventListener('change', () => block.parcoursEdited());
    area.addEventListener('input', () => {
      const schema = renderPreview(box, area.value, invalidMessage);
      if (schema !== null) {
        block.parcoursSchema = schema;
        buildEditor(block);
      }
      onEdit(block.dataset.name);
    });
    const visual = buildEditor(block);
    expert.checked = !visual;
    expert.disabled = !visual;
    area.hidden = visual;
    expert.addEventListener('change', () => {
      area.hidden = !expert.checked;
    });
  }

  function blocks() {
    return Array.from(document.querySelectorAll('.studio-form'));
  }

  function byName(name) {
    return blocks().find((block) => block.dataset.name === name);
  }

  function show(name) {
    const picker = document.getElementById('form-picker');
    blocks().forEach((block) => {
      block.hidden = block.dataset.name !== name;
    });
    picker.value = name;
  }

  function add(invalidMessage, onEdit) {
    const input = document.getElementById('new-form-name');
    const name = input.value.trim();
    if (!FORM_NAME.test(name)) {
      input.setAttribute('aria-invalid', 'true');
      input.focus();
      return null;
    }
    input.removeAttribute('aria-invalid');
    if (byName(name)) { // one form per name: edit it where it is
      show(name);
      return null;
    }
    const block = clone('form-block-template');
    block.dataset.name = name;
    q(block, 'h3').textContent = name;
    q(block, 'textarea.schema-json').setAttribute('aria-label', name);
    q(block, 'textarea.schema-json').value = JSON.stringify(NEW_SCHEMA, null, 2);
    document.getElementById('forms').appendChild(block);
    const picker = document.getElementById('form-picker');
    picker.appendChild(el('option', { value: name }, name));
    picker.disabled = false;
    watch(block, invalidMessage, onEdit);
    show(name);
    onEdit(name);
    input.value = '';
    return name;
  }

  function texts(names) {
    const found = {};
    names.forEach((name) => {
      const block = byName(name);
      if (block) {
        found[name] = q(block, 'textarea.schema-json').value;
      }
    });
    return found;
  }

  function names() {
    return blocks().map((block) => block.dataset.name);
  }

  document.addEventListener('DOMContentLoaded', () => {
    const picker = document.getElementById('form-picker');
    if (picker) {
      picker.addEventListener('change', () => show(picker.value));
    }
  });

  window.StudioForms = { watch, add, texts, names, show };
})();
