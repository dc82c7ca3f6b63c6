// Studio editor page: the bpmn-js modeler (static/dist/modeler.js), the forms beside it with a live
// preview, and the "Vérifier" / "Publier" buttons that post the draft as JSON (X-CSRFToken header).
(function () {
  'use strict';

  const csrf = () => document.querySelector('meta[name="csrf-token"]').getAttribute('content');

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

  function watchForm(block, invalidMessage) {
    const area = block.querySelector('textarea');
    const box = block.querySelector('.form-preview');
    const update = () => renderPreview(box, area.value, invalidMessage);
    area.addEventListener('input', update);
    update();
  }

  function forms() {
    const found = {};
    document.querySelectorAll('.studio-form').forEach((block) => {
      found[block.dataset.name] = block.querySelector('textarea').value;
    });
    return found;
  }

  function addForm(root) {
    const name = document.getElementById('new-form-name').value.trim();
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]*\.json$/.test(name)) {
      document.getElementById('new-form-name').focus();
      return;
    }
    const block = el('div', { class: 'studio-form', 'data-name': name });
    block.appendChild(el('h3', {}, name));
    const area = el('textarea', { 'aria-label': name });
    area.value = document.getElementById('new-form-schema').value;
    block.appendChild(area);
    block.appendChild(el('div', { class: 'form-preview', 'aria-live': 'polite' }));
    document.getElementById('forms').appendChild(block);
    watchForm(block, root.dataset.msgInvalidJson);
  }

  function showProblems(editor, problems) {
    const list = document.getElementById('problems');
    list.replaceChildren();
    editor.highlightErrors(problems.filter((p) => p.severity === 'error'));
    problems.forEach((p) => {
      const where = p.element || p.file;
      const line = p.line ? ` (l. ${p.line})` : '';
      const item = el('li', { class: p.severity, 'data-element': p.element || '' }, `${where}${line} : ${p.message}`);
      list.appendChild(item);
    });
  }

  async function post(root, url, editor) {
    const status = document.getElementById('status');
    const body = JSON.stringify({ xml: await editor.getXML(), forms: forms() });
    const response = await fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf() },
      body,
    });
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      status.textContent = root.dataset.msgFailed;
      return null;
    }
    if (!('problems' in data) && !data.ok) {
      status.textContent = data.message || root.dataset.msgFailed;
      return null;
    }
    showProblems(editor, data.problems || []);
    return data;
  }

  function download(root, editor) {
    editor.getXML().then((xml) => {
      const link = el('a', { download: root.dataset.filename });
      link.href = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
      link.click();
      URL.revokeObjectURL(link.href);
    });
  }

  document.addEventListener('DOMContentLoaded', async () => {
    const root = document.getElementById('studio');
    if (!root || !window.ParcoursModeler) {
      return;
    }
    const editor = await window.ParcoursModeler.create(document.getElementById('canvas'), {
      propertiesPanel: document.getElementById('panel'),
      xml: document.getElementById('model-xml').value,
    });
    window.studioEditor = editor; // for tests and the browser console
    const serverProblems = Array.from(document.querySelectorAll('#problems li.error'))
      .map((li) => ({ element: li.dataset.element, message: li.textContent }));
    editor.highlightErrors(serverProblems);
    document.querySelectorAll('.studio-form').forEach((block) => watchForm(block, root.dataset.msgInvalidJson));
    document.getElementById('add-form').addEventListener('click', () => addForm(root));
    document.getElementById('download').addEventListener('click', () => download(root, editor));
    const status = document.getElementById('status');
    document.getElementById('check').addEventListener('click', async () => {
      const data = await post(root, root.dataset.checkUrl, editor);
      if (data) {
        status.textContent = data.ok ? root.dataset.msgOk : '';
      }
    });
    document.getElementById('publish').addEventListener('click', async () => {
      const data = await post(root, root.dataset.publishUrl, editor);
      if (data && data.ok) {
        window.location.assign(data.redirect);
      } else if (data) {
        status.textContent = root.dataset.msgRefused;
      }
    });
    root.dataset.ready = 'true';
  });
})();
