// Studio editor page on a stored draft: the bpmn-js modeler (static/dist/modeler.js) and the forms
// (studio-forms.js). "Enregistrer le brouillon", an autosave every 30 s when something changed and a
// last save when the page is left send the model and the edited forms with the revision the page
// holds. A stale revision (someone else saved) stops every save and says who saved and when: the
// coordinator reloads, nothing is overwritten. "Vérifier" and "Publier" save first, then check or
// publish the stored draft. Every request carries the X-CSRFToken header (Flask-WTF).
(function () {
  'use strict';

  const AUTOSAVE_MS = window.studioAutosaveMs || 30000; // the browser tests shorten it
  const csrf = () => document.querySelector('meta[name="csrf-token"]').getAttribute('content');

  function postJSON(url, body, keepalive) {
    return fetch(url, {
      method: 'POST',
      credentials: 'same-origin',
      // keepalive lets the last save outlive the page being closed.
      keepalive: Boolean(keepalive),
      headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrf() },
      body: JSON.stringify(body),
    });
  }

  async function reply(response) {
    try {
      return await response.json();
    } catch (error) {
      return {};
    }
  }

  function download(root, editor) {
    editor.getXML().then((xml) => {
      const link = document.createElement('a');
      link.download = root.dataset.filename;
      link.href = URL.createObjectURL(new Blob([xml], { type: 'application/xml' }));
      link.click();
      URL.revokeObjectURL(link.href);
    });
  }

  /** The page's draft: what changed since the last save, and the revision the server gave us. */
  class DraftPage {
    constructor(root, editor) {
      this.root = root;
      this.editor = editor;
      this.msg = root.dataset;
      this.revision = Number(root.dataset.revision);
      this.xml = '';            // the diagram as of the last change (what a save on leaving sends)
      this.modelChanged = false;
      this.formsChanged = new Set();
      this.queue = Promise.resolve(true);
      this.stopped = false;     // after a conflict, or once the draft is gone
      this.leaving = false;     // the page navigates on purpose: no last save, no prompt
    }

    get dirty() {
      return this.modelChanged || this.formsChanged.size > 0;
    }

    status(text) {
      document.getElementById('status').textContent = text;
    }

    changed() {
      if (!this.dirty) {
        this.status(this.msg.msgUnsaved);
      }
    }

    modelEdited() {
      this.changed();
      this.modelChanged = true;
      this.editor.getXML().then((xml) => { this.xml = xml; });
    }

    formEdited(name) {
      this.changed();
      this.formsChanged.add(name);
    }

    /** Save now, after any save in flight; resolves to true once the draft holds the page's work. */
    save(keepalive) {
      const run = () => this._save(keepalive);
      this.queue = this.queue.then(run, run);
      return this.queue;
    }

    async _save(keepalive) {
      if (this.stopped) {
        return false;
      }
      const xml = keepalive ? this.xml : await this.editor.getXML();
      const names = Array.from(this.formsChanged);
      const hadModel = this.modelChanged;
      this.modelChanged = false;
      this.formsChanged.clear();
      this.status(this.msg.msgSaving);
      const body = { revision: this.revision, xml, forms: window.StudioForms.texts(names) };
      let response;
      try {
        response = await postJSON(this.root.dataset.saveUrl, body, keepalive);
      } catch (error) {
        response = null;
      }
      const data = response ? await reply(response) : {};
      if (response && response.ok) {
        this.setRevision(data.revision);
        this.status(`${this.msg.msgSaved} (${data.saved_at})`);
        return true;
      }
      // Not saved: what was to save is still to save.
      this.modelChanged = this.modelChanged || hadModel;
      names.forEach((name) => this.formsChanged.add(name));
      this.failed(response ? response.status : 0, data, this.msg.msgSaveRefused);
      return false;
    }

    setRevision(revision) {
      this.revision = revision;
      this.root.dataset.revision = String(revision);
      document.querySelectorAll('.draft-revision').forEach((input) => { input.value = String(revision); });
    }

    failed(status, data, refusedMessage) {
      if (status === 409) {
        this.stopped = true;
        document.getElementById('conflict-message').textContent = data.message || this.msg.msgFailed;
        document.getElementById('conflict').hidden = false;
        this.status('');
      } else if (status === 404) {
        this.stopped = true;
        this.status(this.msg.msgGone);
      } else if (status === 422 && data.problems) {
        this.showProblems(data.problems);
        this.status(refusedMessage);
      } else {
        this.status(data.message || this.msg.msgFailed);
      }
    }

    showProblems(problems) {
      const list = document.getElementById('problems');
      list.replaceChildren();
      this.editor.highlightErrors(problems.filter((p) => p.severity === 'error'));
      problems.forEach((p) => {
        const item = document.createElement('li');
        item.className = p.severity;
        item.dataset.element = p.element || '';
        item.textContent = p.text;
        list.appendChild(item);
      });
    }

    async check() {
      if (!(await this.save())) {
        return;
      }
      const response = await postJSON(this.root.dataset.checkUrl, {});
      const data = await reply(response);
      if (!response.ok) {
        this.failed(response.status, data, this.msg.msgFailed);
        return;
      }
      this.showProblems(data.problems || []);
      this.status(data.ok ? this.msg.msgOk : '');
    }

    async publish() {
      if (!(await this.save())) {
        return;
      }
      // The first request publishes nothing: it answers the summary to confirm (or the errors).
      const response = await postJSON(this.root.dataset.publishUrl, { revision: this.revision });
      const data = await reply(response);
      if (response.ok && data.confirm) {
        const list = document.getElementById('publish-summary');
        list.replaceChildren(...data.summary.lines.map((line) => {
          const item = document.createElement('li');
          item.textContent = line;
          return item;
        }));
        document.getElementById('publish-dialog').showModal();
        return;
      }
      this.failed(response.status, data, this.msg.msgRefused);
    }

    async confirmPublish() {
      document.getElementById('publish-dialog').close();
      const body = { revision: this.revision, confirm: true };
      const response = await postJSON(this.root.dataset.publishUrl, body);
      const data = await reply(response);
      if (response.ok && data.ok) {
        this.leaving = true;
        window.location.assign(data.redirect);
        return;
      }
      this.failed(response.status, data, this.msg.msgRefused);
    }

    /** Before the page goes: a last save of what changed, and the browser's "leave?" prompt. */
    beforeUnload(event) {
      if (this.leaving || this.stopped || !this.dirty) {
        return;
      }
      this.save(true);
      event.preventDefault();
      event.returnValue = '';
    }
  }

  function wire(page) {
    const { root, editor } = page;
    document.querySelectorAll('.studio-form').forEach((block) => {
      window.StudioForms.watch(block, root.dataset.msgInvalidJson, (name) => page.formEdited(name));
    });
    document.getElementById('add-form').addEventListener('click', () => {
      window.StudioForms.add(root.dataset.msgInvalidJson, (name) => page.formEdited(name));
    });
    document.getElementById('download').addEventListener('click', () => download(root, editor));
    document.getElementById('save').addEventListener('click', () => page.save());
    document.getElementById('check').addEventListener('click', () => page.check());
    document.getElementById('publish').addEventListener('click', () => page.publish());
    document.getElementById('publish-confirm').addEventListener('click', () => page.confirmPublish());
    document.getElementById('publish-cancel').addEventListener('click', () => {
      document.getElementById('publish-dialog').close();
    });
    document.getElementById('reload').addEventListener('click', () => {
      page.leaving = true;
      window.location.reload();
    });
    document.getElementById('upload-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      // Keep what changed on the page before the import replaces the model.
      if (page.dirty && !(await page.save())) {
        return;
      }
      page.leaving = true;
      event.target.submit();
    });
    // The server asks for confirmation on a page of its own (studio/discard_confirm.html).
    document.getElementById('discard-form').addEventListener('submit', () => {
      page.leaving = true;
    });
    window.setInterval(() => {
      if (page.dirty && !page.stopped) {
        page.save();
      }
    }, AUTOSAVE_MS);
    window.addEventListener('beforeunload', (event) => page.beforeUnload(event));
  }

  document.addEventListener('DOMContentLoaded', async () => {
    const root = document.getElementById('studio');
    if (!root || !window.ParcoursModeler || !window.StudioForms) {
      return;
    }
    let page = null;
    const editor = await window.ParcoursModeler.create(document.getElementById('canvas'), {
      propertiesPanel: document.getElementById('panel'),
      xml: document.getElementById('model-xml').value,
      onChange: () => page && page.modelEdited(),
      forms: () => window.StudioForms.names(),
    });
    page = new DraftPage(root, editor);
    page.xml = await editor.getXML();
    window.studioEditor = editor; // for tests and the browser console
    window.studioDraft = page;
    const serverProblems = Array.from(document.querySelectorAll('#problems li.error'))
      .map((li) => ({ element: li.dataset.element, message: li.textContent }));
    editor.highlightErrors(serverProblems);
    wire(page);
    root.dataset.ready = 'true';
  });
})();
