// Studio editor page, the forms beside the model: a live preview of each JSON Schema form and the
// "Nouveau formulaire" box. Sets `window.StudioForms`, which studio.js uses:
//
//   StudioForms.watch(block, invalidMessage, onEdit)  // preview a .studio-form; onEdit(name) on input
//   StudioForms.add(invalidMessage, onEdit)            // add the new form; its name, or null if invalid
//   StudioForms.texts(names)                           // {name: schema text} of those forms
(function () {
  'use strict';

  const FORM_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\.json$/;

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([key, value]) => node.setAttribute(key, value));
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  // A small preview of a JSON Schema form: title, type, oneOf/enum choices, dates, booleans.
  function field(name, prop, required) {
    const wrap = el('p', { class: 'preview-field' });
    const label = (prop.title || name) + (required ? ' *' : '');
    wrap.appendChild(el('label', {}, label));
    const choices = (prop.oneOf || []).map((c) => [c.const, c.title || c.const])
      .concat((prop.enum || []).map((v) => [v, v]));
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
    wrap.appendChild(input);
    return wrap;
  }

  function renderPreview(box, text, invalidMessage) {
    box.replaceChildren();
    let schema;
    try {
      schema = JSON.parse(text);
    } catch (error) {
      box.appendChild(el('p', { class: 'error' }, `${invalidMessage} : ${error.message}`));
      return;
    }
    if (schema.title) {
      box.appendChild(el('h4', {}, schema.title));
    }
    const required = new Set(schema.required || []);
    Object.entries(schema.properties || {}).forEach(([name, prop]) => {
      box.appendChild(field(name, prop || {}, required.has(name)));
    });
  }

  function watch(block, invalidMessage, onEdit) {
    const area = block.querySelector('textarea');
    const box = block.querySelector('.form-preview');
    const update = () => renderPreview(box, area.value, invalidMessage);
    area.addEventListener('input', () => {
      update();
      onEdit(block.dataset.name);
    });
    update();
  }

  function byName(name) {
    return Array.from(document.querySelectorAll('.studio-form')).find((block) => block.dataset.name === name);
  }

  function add(invalidMessage, onEdit) {
    const input = document.getElementById('new-form-name');
    const name = input.value.trim();
    if (!FORM_NAME.test(name)) {
      input.focus();
      return null;
    }
    const existing = byName(name);
    if (existing) { // one form per name: edit it where it is
      existing.querySelector('textarea').focus();
      return null;
    }
    const block = el('div', { class: 'studio-form', 'data-name': name });
    block.appendChild(el('h3', {}, name));
    const area = el('textarea', { 'aria-label': name });
    area.value = document.getElementById('new-form-schema').value;
    block.appendChild(area);
    block.appendChild(el('div', { class: 'form-preview', 'aria-live': 'polite' }));
    document.getElementById('forms').appendChild(block);
    watch(block, invalidMessage, onEdit);
    onEdit(name);
    return name;
  }

  function texts(names) {
    const found = {};
    names.forEach((name) => {
      const block = byName(name);
      if (block) {
        found[name] = block.querySelector('textarea').value;
      }
    });
    return found;
  }

  window.StudioForms = { watch, add, texts };
})();
