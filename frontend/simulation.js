/**
 * The studio editor's "Simuler" panel (studio/editor.html; bundled to static/dist/simulation.js).
 *
 * Saves the draft first (studio.js exposes the page as `window.studioDraft`), then posts the choice
 * to the panel's URL: answers drawn from the forms with a seed, a scenario the server keeps for the
 * programme, or one pasted or loaded from a file (JSON or YAML). Shows the outcome, what the
 * scenario expected in vain, the incidents and the path taken, and marks on the diagram the
 * elements the path went through (`parcours-path`) and those with an incident (as errors). A draft
 * with errors comes back 422 with its problems, listed and marked as "Vérifier" does.
 *
 * No inline script or style: the Content-Security-Policy allows neither.
 */

const PATH_MARKER = 'parcours-path';

function csrfToken() {
  const meta = document.querySelector('meta[name="csrf-token"]');
  return meta ? meta.getAttribute('content') : '';
}

function listItem(text, className) {
  const item = document.createElement('li');
  item.textContent = text;
  if (className) {
    item.className = className;
  }
  return item;
}

function day(iso) {
  const lang = document.documentElement.lang || 'fr';
  return new Date(iso).toLocaleDateString(lang, { timeZone: 'Europe/Paris' });
}

class SimulationPanel {
  constructor(root) {
    this.root = root;
    this.msg = root.dataset;
    this.marked = [];
    this.fileName = null;
  }

  element(id) {
    return this.root.querySelector(`#${id}`);
  }

  status(text) {
    this.element('sim-status').textContent = text;
  }

  request() {
    const chosen = this.root.querySelector('input[name="sim-source"]:checked');
    const source = chosen ? chosen.value : 'generated';
    if (source === 'kept') {
      return { scenario_name: this.element('sim-kept').value };
    }
    if (source === 'pasted') {
      return { scenario: this.element('sim-scenario').value, scenario_name: this.fileName };
    }
    return { seed: Number(this.element('sim-seed').value) || 0 };
  }

  async run() {
    const draft = window.studioDraft;
    if (!draft) {
      return;
    }
    this.element('sim-result').hidden = true;
    this.status(this.msg.msgRunning);
    if (!(await draft.save())) {
      this.status(this.msg.msgNotSaved);
      return;
    }
    let response = null;
    let data = {};
    try {
      response = await fetch(this.msg.simulateUrl, {
        method: 'POST',
        credentials: 'same-origin',
        headers: { 'Content-Type': 'application/json', 'X-CSRFToken': csrfToken() },
        body: JSON.stringify(this.request()),
      });
      data = await response.json();
    } catch (error) {
      data = {};
    }
    if (response && response.status === 422 && data.problems) {
      draft.showProblems(data.problems);
      this.status(this.msg.msgInvalid);
      return;
    }
    if (!response || !response.ok) {
      this.status(data.message || draft.msg.msgFailed);
      return;
    }
    this.status('');
    this.show(data.simulation, data.unmet || []);
  }

  show(simulation, unmet) {
    const days = Math.round((new Date(simulation.ended_at) - new Date(simulation.started_at)) / 86400000);
    const outcome = this.element('sim-outcome');
    if (simulation.finished) {
      const label = simulation.outcome_label || simulation.outcome;
      const next = simulation.follow_on ? ` → ${simulation.follow_on}` : '';
      outcome.textContent = `${this.msg.msgOutcome} : ${label}${next} (${days} ${this.msg.msgDays})`;
      outcome.className = 'outcome';
    } else {
      const waiting = simulation.waiting.length ? ` (${simulation.waiting.join(', ')})` : '';
      outcome.textContent = `${this.msg.msgNotFinished}${waiting}. ${simulation.stop || ''}`;
      outcome.className = 'outcome error';
    }
    this.element('sim-unmet').replaceChildren(...unmet.map((text) => listItem(text, 'error')));
    // A script's failure names its element itself (« name » (id)): the id is not repeated before it.
    const incidents = simulation.incidents.map((incident) => {
      const named = incident.element && incident.message.includes(`(${incident.element})`);
      const where = named ? '' : `${incident.element || '-'} : `;
      return listItem(`${day(incident.at)} · ${where}${incident.message}`, 'error');
    });
    this.element('sim-incidents').replaceChildren(
      ...(incidents.length ? incidents : [listItem(this.msg.msgNoIncident)]));
    this.element('sim-path').replaceChildren(...simulation.steps.map((step) => {
      const where = step.process === simulation.programme ? '' : `${step.process} › `;
      const lane = step.lane ? ` [${step.lane}]` : '';
      const item = listItem(`${day(step.at)} · ${where}${step.name}${lane}`, step.kind);
      item.dataset.element = step.element;
      return item;
    }));
    this.element('sim-result').hidden = false;
    this.mark(simulation);
  }

  /** The path's elements drawn in this diagram, and the incidents' elements as errors. */
  mark(simulation) {
    const editor = window.studioEditor;
    if (!editor) {
      return;
    }
    const canvas = editor.modeler.get('canvas');
    const registry = editor.modeler.get('elementRegistry');
    this.marked.filter((id) => registry.get(id)).forEach((id) => canvas.removeMarker(id, PATH_MARKER));
    this.marked = [...new Set(simulation.steps.map((step) => step.element))].filter((id) => registry.get(id));
    this.marked.forEach((id) => canvas.addMarker(id, PATH_MARKER));
    editor.highlightErrors(simulation.incidents
      .filter((incident) => incident.element)
      .map((incident) => ({ element: incident.element, message: incident.message })));
  }

  wire() {
    this.element('simulate').addEventListener('click', () => this.run());
    this.element('sim-file').addEventListener('change', async (event) => {
      const file = event.target.files && event.target.files[0];
      if (!file) {
        return;
      }
      this.fileName = file.name;
      this.element('sim-scenario').value = await file.text();
      this.root.querySelector('input[name="sim-source"][value="pasted"]').checked = true;
    });
    this.element('sim-scenario').addEventListener('input', () => {
      this.root.querySelector('input[name="sim-source"][value="pasted"]').checked = true;
    });
  }
}

document.addEventListener('DOMContentLoaded', () => {
  const root = document.getElementById('simulation');
  if (root) {
    const panel = new SimulationPanel(root);
    panel.wire();
    window.studioSimulation = panel; // for tests and the browser console
  }
});
